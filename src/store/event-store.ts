import type { DataKeyRecord, Rewrap } from './data-keys.js';
import type { StoredSnapshot } from './snapshots.js';

export type { StoredSnapshot } from './snapshots.js';

/**
 * The contract every event store keeps. A store knows the
 * envelope of an event, never what a data source is: names are just claims on
 * keys, data is opaque JSON.
 */

/** An event as the registry hands it to `append`: everything but its position. */
export interface PendingEvent {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly sourceId: string;
  readonly tenantId: string;
  /** 1, 2, 3 … within the stream named by sourceId. */
  readonly streamVersion: number;
  readonly occurredAt: string;
  readonly data: unknown;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** An event in the log: the store gave it its global position. */
export interface StoredEvent extends PendingEvent {
  /** Global, strictly increasing; the first event is at 1. */
  readonly position: number;
  /**
   * The event's link in the log's hash chain (see `store/chain.ts`): SHA-256
   * over its content as stored and the hash of the event before it. Absent
   * while not sealed yet (PostgreSQL seals shortly after commit) and on
   * events that did not come from a store.
   */
  readonly hash?: string;
}

/**
 * A unique key held by one owner, such as a normalized source name within a
 * tenant (scope = tenant id, key = name, owner = source id).
 */
export interface UniqueClaim {
  readonly scope: string;
  readonly key: string;
  readonly owner: string;
}

/**
 * A tenant-wide command's proof that it saw every stream of the tenant: the
 * append is refused when a stream of `tenantId` was created (its first event
 * appended) at a position after `position`, the position the caller had read
 * the log to.
 */
export interface TenantGuard {
  readonly tenantId: string;
  readonly position: number;
}

/** One command's write: its events, the versions it expects, the claims it takes and gives up. */
export interface AppendRequest {
  /** Appended together or not at all, in this order. */
  readonly events: readonly PendingEvent[];
  /**
   * For every stream the events touch, how many events that stream must hold
   * before this append (0 for a stream that must not exist yet).
   */
  readonly expectedVersions: Readonly<Record<string, number>>;
  /** Keys to take; held by another owner, the append fails. Held by the same owner, a no-op. */
  readonly claims?: readonly UniqueClaim[];
  /** Keys to give up, when still held by the same owner. Applied before the claims. */
  readonly releases?: readonly UniqueClaim[];
  /**
   * Refuses the append (CONCURRENCY_CONFLICT, details.reason `"tenant"`) when
   * the tenant gained a stream after the guard's position. Checked under the
   * same lock as every append, so no stream creation can slip in between the
   * check and the commit. Ignored by an append without events.
   */
  readonly tenantUnchanged?: TenantGuard;
  /**
   * The data keys the events' secrets are sealed under. The append is
   * refused (CONCURRENCY_CONFLICT, details.reason `"dataKey"`) when one of
   * them is destroyed or missing, checked under the same lock as the rest:
   * a secret sealed just before a purge destroyed its key is never written,
   * and the writer seals it again under the tenant's next key.
   */
  readonly sealedUnder?: readonly string[];
  /**
   * Destroys every live data key of this tenant in the same transaction as
   * the events (a purge): the record of the purge and the end of the key
   * commit together or not at all, and no append sealed under the key can
   * commit after it.
   */
  readonly destroysDataKeysOf?: string;
}

/**
 * What one command of a batch came to: the events it stored, or the error it
 * failed with (a CONCURRENCY_CONFLICT, INVALID_INPUT or STORE_ERROR
 * DataSourceError, as `append` would have thrown).
 */
export type AppendOutcome =
  | { readonly ok: true; readonly events: StoredEvent[] }
  | { readonly ok: false; readonly error: Error };

/** Which events `readAll` returns. */
export interface ReadAllOptions {
  /** Only events after this position (default 0: from the start). */
  readonly after?: number;
  /** Only this tenant's events. */
  readonly tenantId?: string;
  /** At most this many events (default: all). */
  readonly limit?: number;
}

/** Called when events up to `head` may have become readable. */
export type AppendListener = (head: number) => void;

/**
 * An append-only log of events, partitioned into streams.
 *
 * Guarantees every adapter keeps, checked by one conformance suite:
 * - `append` is atomic; it fails with CONCURRENCY_CONFLICT (details.reason
 *   `"version"`, `"claim"`, `"tenant"` or `"dataKey"`) when an expected
 *   version differs, a key is held by another owner, a tenant guard no longer
 *   holds or a data key its secrets are sealed under was destroyed, and then
 *   nothing of it is written.
 * - positions strictly increase, and a reader that has seen position p never
 *   later finds a committed event below p.
 * - a driver failure is a DataSourceError STORE_ERROR whose `cause` is the
 *   driver's error.
 */
export interface EventStore {
  /** `"memory"`, `"sqlite"`, `"postgres"`: for messages and documentation. */
  readonly kind: string;
  /** True when the log outlives the process; secrets must then be encrypted. */
  readonly durable: boolean;
  /**
   * Appends one command's events atomically, after checking the expected
   * versions, releases, claims and tenant guard, and resolves with them at
   * the positions they were given.
   *
   * @throws DataSourceError CONCURRENCY_CONFLICT when a check fails;
   *   INVALID_INPUT when the request contradicts itself; STORE_ERROR when the
   *   driver fails. Nothing is written when it throws.
   */
  append(request: AppendRequest): Promise<StoredEvent[]>;
  /**
   * Appends several commands' writes in one store transaction, as if each
   * were appended alone, in the order given: each is all or nothing, one that
   * fails (a conflict, a claim held by an earlier command of the batch, bad
   * input) fails alone, and the others commit. One outcome per request, in
   * order. What makes a busy writer's commands cheaper together than apart;
   * a store wrapper may leave it out, and callers then append one by one.
   */
  appendBatch?(requests: readonly AppendRequest[]): Promise<AppendOutcome[]>;
  /** Events in position order. */
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  /** One stream's events in stream order; empty when it does not exist. */
  readStream(streamId: string): Promise<StoredEvent[]>;
  /** The last position a reader may see now. */
  head(): Promise<number>;
  /** Live notification of appends, from this process or (where the store can tell) others. */
  subscribe(listener: AppendListener): () => void;
  /**
   * Reads the key ring: the ids of the master keys whose secrets this log
   * accepts, in the order they joined. Never keys, only their ids; kept
   * apart from the events. When the ring is empty, `keyIds` are pinned
   * first, atomically: of callers racing on an empty ring, exactly one pins
   * and every one gets its ring back. `pinKeyRing([])` only reads. A store
   * without it keeps no ring, and a registry on it checks no key against the log.
   *
   * @throws DataSourceError INVALID_INPUT for an id that is not a non-empty
   *   string of at most 128 characters; STORE_ERROR when the driver fails.
   */
  pinKeyRing?(keyIds: readonly string[]): Promise<readonly string[]>;
  /**
   * Adds one id to the key ring (nothing when it is there) and returns the ring.
   *
   * @throws DataSourceError as {@link EventStore.pinKeyRing}.
   */
  addToKeyRing?(keyId: string): Promise<readonly string[]>;
  /**
   * The tenants' data keys (all, or one tenant's), destroyed ones included
   * (`wrappedKey` null). Kept apart from the events, so destroying one
   * rewrites no event and a copy of the events carries none. A store without
   * the data-key methods gets secrets sealed under the master key directly.
   *
   * @throws DataSourceError STORE_ERROR when the driver fails.
   */
  readDataKeys?(tenantId?: string): Promise<DataKeyRecord[]>;
  /**
   * Stores `record` when its tenant has no live data key, and returns the
   * tenant's live key: of instances racing to create a tenant's first key,
   * exactly one wins and every one gets the winner back. A destroyed record
   * (`wrappedKey` null, as a restored backup holds) is stored when its id is
   * new, and returned.
   *
   * @throws DataSourceError INVALID_INPUT for a malformed record; STORE_ERROR.
   */
  createDataKey?(record: DataKeyRecord): Promise<DataKeyRecord>;
  /**
   * Replaces the wrapped form of every live data key with what `rewrap`
   * makes of it, in one transaction: when `rewrap` throws for one key, none
   * changes. Resolves to how many keys were rewrapped.
   *
   * @throws what `rewrap` throws; STORE_ERROR when the driver fails.
   */
  rewrapDataKeys?(rewrap: Rewrap): Promise<number>;
  /**
   * Destroys every live data key of the tenant: the row stays, without the
   * key. Resolves to how many were destroyed.
   *
   * @throws DataSourceError INVALID_INPUT for a bad tenant id; STORE_ERROR.
   */
  destroyDataKeys?(tenantId: string): Promise<number>;
  /**
   * The position a subscription of this name has handled the log up to, or
   * null when it has stored none. Checkpoints are kept apart from the
   * events, per name. A store without them cannot run subscriptions.
   *
   * @throws DataSourceError INVALID_INPUT for a name that is not a non-empty
   *   string of at most 128 characters; STORE_ERROR when the driver fails.
   */
  readCheckpoint?(name: string): Promise<number | null>;
  /**
   * Stores how far a subscription has handled the log. A checkpoint only
   * moves forward: a position below the stored one leaves it as it is, so
   * a late writer (a second process running the same name) never makes a
   * subscription handle again what it was past.
   *
   * @throws DataSourceError INVALID_INPUT for a bad name (as
   *   {@link EventStore.readCheckpoint}) or a position that is not an
   *   integer ≥ 0; STORE_ERROR when the driver fails.
   */
  storeCheckpoint?(name: string, position: number): Promise<void>;
  /**
   * The snapshot kept, or null when none was stored. Snapshots are kept
   * apart from the events; a store keeps only the newest one. The store
   * returns it as stored: whether it can be trusted (its format, its
   * position against the head) is the reader's to decide. A store without
   * snapshots makes a registry replay the whole log when it opens.
   *
   * @throws DataSourceError STORE_ERROR when the driver fails.
   */
  readSnapshot?(): Promise<StoredSnapshot | null>;
  /**
   * Keeps a snapshot in place of the one kept, unless that one is at a
   * higher position (a late writer never moves the snapshot back).
   *
   * @throws DataSourceError INVALID_INPUT for a snapshot that is not one (a
   *   position that is not an integer ≥ 0, an empty format, data that is not
   *   bytes); STORE_ERROR when the driver fails.
   */
  storeSnapshot?(snapshot: StoredSnapshot): Promise<void>;
  /**
   * Hashes into the chain the committed events not hashed yet, in position
   * order, as far as they are readable: for a store that seals after commit
   * (PostgreSQL). A store that hashes in the append leaves it out.
   *
   * @throws DataSourceError STORE_ERROR when the driver fails; CORRUPT_LOG
   *   when an event to seal does not read back.
   */
  seal?(): Promise<void>;
  /** Releases what the store opened; a pool passed in by the caller stays open. */
  close(): Promise<void>;
}

/**
 * A store with every optional member: group commit, the key ring,
 * checkpoints, data keys and snapshots. The memory, SQLite and PostgreSQL
 * stores are each one.
 */
export type CompleteEventStore = EventStore &
  Required<
    Pick<
      EventStore,
      | 'appendBatch'
      | 'pinKeyRing'
      | 'addToKeyRing'
      | 'readCheckpoint'
      | 'storeCheckpoint'
      | 'readDataKeys'
      | 'createDataKey'
      | 'rewrapDataKeys'
      | 'destroyDataKeys'
      | 'readSnapshot'
      | 'storeSnapshot'
    >
  >;
