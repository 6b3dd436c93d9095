import {
  type CommandContext,
  type DataSourceCommand,
  errorMessageSchema,
  type RegisterInput,
  tenantIdSchema,
  type UpdateInput,
  updateInputSchema,
} from './domain/commands.js';
import {
  completeConfig,
  type DataSourceConfig,
  type DataSourceConfigInput,
  parseConfig,
} from './domain/config.js';
import type { CustomerDataSource } from './domain/data-source.js';
import { DataSourceError, ErrorCode, parseInput } from './domain/errors.js';
import type { DataSourceEvent } from './domain/events.js';
import { deepFreeze } from './domain/freeze.js';
import { catchUpToHead, createCatchUp } from './follow/catch-up.js';
import { type Follower, followStore } from './follow/follower.js';
import type { DataSourceStats } from './projections/statistics.js';
import { parseContext } from './registry/command-events.js';
import { type CommandWriter, createCommandWriter } from './registry/command-writer.js';
import { createEventBus, type ListenerName, type RegistryListeners } from './registry/event-bus.js';
import { createUlidFactory } from './registry/ids.js';
import { createInFlight } from './registry/in-flight.js';
import { assertCanPurge, destroyTenantKeys, rotateDataKeys } from './registry/key-commands.js';
import { createKeyedLock } from './registry/keyed-lock.js';
import { applyToModels, clearModels, createModels } from './registry/models.js';
import {
  type DataSourceRegistryOptions,
  type ListFilter,
  registryOptionsSchema,
} from './registry/options.js';
import { parseLabelCommand, parseRegister, parseSourceId } from './registry/parse-commands.js';
import { toDomainEvent } from './registry/read-events.js';
import {
  checkSnapshotEvery,
  createSnapshotter,
  type SnapshotInfo,
  type Snapshotter,
  snapshotSecretMode,
} from './registry/snapshots.js';
import { sourceQueries } from './registry/source-queries.js';
import {
  createSubscriptions,
  type SubscribeOptions,
  type Subscription,
  type Subscriptions,
} from './registry/subscriptions.js';
import { createTenantHandle } from './registry/tenant-handle.js';
import type { TenantHandle, TenantHandleOptions } from './registry/tenant-handle-api.js';
import { parseMoment, type RegistryAt, registryAt } from './registry/time-travel.js';
import { resolveEncryptionKeys } from './security/encryption-key.js';
import { enterKeyRing, enterKeyRingSync } from './security/key-ring.js';
import {
  protectSecrets,
  readOnlyRefusal,
  readOnlyStore,
  tenantKeysOf,
} from './security/protected-store.js';
import { redactEvent } from './security/redact.js';
import { encryptionKeyId } from './security/secret-cipher.js';
import { createSecretFingerprinter } from './security/secret-fingerprints.js';
import { checkChainOnRead } from './store/chain-checked-store.js';
import type { EventStore } from './store/event-store.js';
import { createMemoryEventStore, type MemoryEventStore } from './store/memory-store.js';

const OPENED = Symbol('opened');

function isMemoryStore(store: EventStore): store is MemoryEventStore {
  return store.kind === 'memory' && 'readAllSync' in store;
}

/**
 * The catalogue of data sources: commands append events, queries read the
 * projections, listeners hear every committed event.
 */
export class DataSourceRegistry {
  readonly #store: EventStore;
  /** The store as given, for what the secrets wrapper does not pass on (the data keys). */
  readonly #rawStore: EventStore;
  readonly #hasKey: boolean;
  /** The state commands are decided on (and its position, where the log is followed from), the projections queries read. */
  readonly #models = createModels();
  readonly #queries = sourceQueries(this.#models.projections);
  readonly #bus = createEventBus();
  readonly #locks = createKeyedLock();
  readonly #catchUp;
  readonly #writer: CommandWriter;
  readonly #follower: Follower;
  readonly #inFlight = createInFlight();
  readonly #subscriptions: Subscriptions;
  readonly #snapshots: Snapshotter;
  readonly #readOnly: boolean;
  /** The ids of this instance's keys, current first; empty without a key or when read-only. */
  readonly #keyIds: readonly string[];
  /** Lets the log be read: at once, or once open() has restored a snapshot. */
  #restored: () => void = () => {};
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * An in-memory registry, ready at once. A durable store needs
   * {@link DataSourceRegistry.open}, which replays it first.
   *
   * @throws DataSourceError FORBIDDEN for a durable store; INVALID_INPUT for
   *   a bad option; SECRET_UNAVAILABLE when the store's key ring holds none
   *   of the given keys.
   */
  constructor(options: DataSourceRegistryOptions = {}, opened?: typeof OPENED) {
    const store = options.store ?? createMemoryEventStore();
    if (store.durable && opened !== OPENED) {
      throw new DataSourceError(
        `A ${store.kind} store must be opened with await DataSourceRegistry.open({ store })`,
        { code: ErrorCode.FORBIDDEN },
      );
    }
    const conflicts = parseInput(registryOptionsSchema, options, 'registry options');
    // Checked on every store, so a bad key fails in tests on memory, not first in production.
    const keys = resolveEncryptionKeys(options.encryptionKey, process.env);
    this.#readOnly = conflicts.readOnly;
    this.#keyIds = keys === null || this.#readOnly ? [] : keys.map(encryptionKeyId);
    // The chain is checked on the stored events, secrets still sealed, before anything opens them.
    const chain = checkChainOnRead(store);
    this.#store = this.#readOnly ? readOnlyStore(chain.store) : protectSecrets(chain.store, keys);
    this.#rawStore = store;
    this.#hasKey = keys !== null;
    // open() restores a snapshot before anything reads the log; the follower may hear an append first.
    const restored = new Promise<void>((resolve) => {
      this.#restored = resolve;
    });
    if (opened !== OPENED) this.#restored();
    this.#catchUp = createCatchUp(
      this.#store,
      () => this.#models.state.position,
      (events) => this.#apply(events.map(toDomainEvent)),
      restored,
    );
    this.#writer = createCommandWriter({
      store: this.#store,
      state: this.#models.state,
      projections: this.#models.projections,
      locks: this.#locks,
      catchUp: this.#catchUp,
      apply: (events) => this.#apply(events),
      fellBehind: (head, error) => this.#follower.fellBehind(head, error),
      clock: options.clock ?? (() => new Date()),
      newId: options.newId ?? createUlidFactory(),
      fingerprint: createSecretFingerprinter(keys?.[0] ?? null),
      conflictTimeoutMs: conflicts.conflictTimeoutMs,
      retries: conflicts.conflictRetries ?? Number.POSITIVE_INFINITY,
    });
    checkSnapshotEvery(store, conflicts.snapshotEvery);
    this.#snapshots = createSnapshotter({
      store: this.#store,
      models: this.#models,
      secrets: snapshotSecretMode(store, this.#readOnly, keys, tenantKeysOf(this.#store)),
      every: conflicts.snapshotEvery ?? null,
      resumeChain: (link) => chain.resumeFrom(link),
      reportError: (failure) => this.#bus.reportSnapshotError(failure),
    });
    if (isMemoryStore(store)) {
      if (opened !== OPENED) enterKeyRingSync(store, this.#keyIds);
      const events = store.readAllSync().map(toDomainEvent);
      this.#apply(this.#readOnly ? events.map(redactEvent) : events);
    }
    this.#subscriptions = createSubscriptions(
      this.#store,
      (failure) => this.#bus.reportSubscriptionError(failure),
      () => this.#assertOpen(),
    );
    this.#follower = followStore({
      store,
      position: () => this.#models.state.position,
      catchUp: this.#catchUp,
      onError: (failure) => this.#bus.reportFollowError(failure),
    });
  }

  /**
   * A registry on any store, after replaying its log into the projections.
   * When opening fails, the store it was given is closed.
   *
   * @throws DataSourceError INVALID_INPUT for a bad option (a key not 32
   *   bytes, not base64 or all zero); SECRET_UNAVAILABLE when the log's key
   *   ring holds none of the given keys (nothing is written), or a secret in
   *   the log cannot be opened with them; CORRUPT_LOG, with `details.position`
   *   and `details.reason`, when the log's hash chain is broken (an event
   *   changed, removed, moved or inserted around the store) or a row is
   *   damaged; STORE_ERROR when the store fails.
   */
  static async open(options: DataSourceRegistryOptions = {}): Promise<DataSourceRegistry> {
    let registry: DataSourceRegistry;
    try {
      registry = new DataSourceRegistry(options, OPENED);
    } catch (error) {
      await options.store?.close().catch(() => {});
      throw error;
    }
    try {
      // Refused before it reads or writes; a new log's ring is pinned once it was read.
      const pin = await enterKeyRing(registry.#store, registry.#keyIds);
      // The newest snapshot that can be trusted, then only the events after it.
      await registry.#snapshots.load().finally(registry.#restored);
      await registry.#catchUp();
      await pin();
    } catch (error) {
      registry.#restored();
      await registry.close().catch(() => {});
      throw error;
    }
    return registry;
  }

  /** The last global position applied to the projections. */
  get position(): number {
    return this.#models.state.position;
  }

  /**
   * Registers a new source, status pending, and resolves with it. Its name
   * must be free in its tenant; its id (given, or a new ULID) must never
   * have been used.
   *
   * @throws DataSourceError INVALID_INPUT for a bad input or ctx;
   *   DUPLICATE_ID when the id is or was in use; DUPLICATE_NAME when a live
   *   source of the tenant has the name; SECRET_UNAVAILABLE when the config
   *   holds a secret and a durable store has no key; FORBIDDEN after
   *   `close()` or on a read-only registry; CONCURRENCY_CONFLICT when
   *   conflicts outlast `conflictTimeoutMs`; STORE_ERROR when the store fails.
   *   Nothing is written when it throws.
   */
  async register(input: RegisterInput, ctx?: CommandContext): Promise<CustomerDataSource> {
    const { sourceId, command } = parseRegister(input, this.#writer.newId);
    return (await this.#execute(sourceId, ctx, command)) as CustomerDataSource;
  }

  /**
   * Changes name, description, config (replaced whole) or metadata (replaced
   * whole) and resolves with the source as it is now (null when no live
   * source has the id). What is left out stays; a change to nothing appends
   * nothing.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   DUPLICATE_NAME when another live source of the tenant has the new name,
   *   SECRET_UNAVAILABLE as {@link DataSourceRegistry.register}.
   */
  async update(
    sourceId: string,
    changes: UpdateInput,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    const parsed = parseInput(updateInputSchema, changes, 'update', { sourceId });
    const config = parsed.config === undefined ? undefined : completeConfig(parsed.config);
    return this.#execute(sourceId, ctx, { ...parsed, type: 'Update', config });
  }

  /**
   * Replaces the config; the source goes to configuring. `"***"` in a secret
   * field keeps the stored secret, so a config read and written back changes
   * nothing it did not mean to.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   SECRET_UNAVAILABLE as {@link DataSourceRegistry.register}.
   */
  async updateConfig(
    sourceId: string,
    config: DataSourceConfig | DataSourceConfigInput,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, { type: 'UpdateConfig', config: parseConfig(config) });
  }

  /**
   * Moves the source to active and clears its last error; resolves with it.
   * Like every command on one source, it resolves to null, and writes
   * nothing, when no live source has the id (never registered, or deleted).
   *
   * @throws DataSourceError INVALID_INPUT for a bad id or ctx;
   *   INVALID_TRANSITION when the source is deprecated; CONCURRENCY_CONFLICT when `ctx.expectedVersion` is not the
   *   source's version, or conflicts outlast `conflictTimeoutMs`; FORBIDDEN
   *   after `close()` or on a read-only registry; STORE_ERROR when the store
   *   fails. Nothing is written when it throws.
   */
  async activate(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, { type: 'Activate' });
  }

  /**
   * Moves the source to inactive; resolves with it.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}.
   */
  async deactivate(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, { type: 'Deactivate' });
  }

  /**
   * Moves the source to deprecated, for good: no status or config change
   * after it. Resolves with the source.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}.
   */
  async deprecate(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, { type: 'Deprecate' });
  }

  /**
   * Counts a connection and stamps `lastConnected`; resolves with the source.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}.
   */
  async recordConnection(
    sourceId: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, { type: 'RecordConnection' });
  }

  /**
   * Counts an error, keeps its message as `lastError` and moves the source to
   * error (a deprecated one stays deprecated); resolves with it.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   INVALID_INPUT for a message that is empty or too long.
   */
  async recordError(
    sourceId: string,
    message: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    const error = parseInput(errorMessageSchema, message, 'error message', { sourceId });
    return this.#execute(sourceId, ctx, { type: 'RecordError', message: error });
  }

  /**
   * Adds a tag (nothing when it is there); resolves with the source.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   INVALID_INPUT for a bad tag or when the source holds the most tags
   *   allowed (`LIMITS.tagsPerSource`).
   */
  async addTag(
    sourceId: string,
    tag: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, parseLabelCommand('AddTag', tag, sourceId));
  }

  /**
   * Removes a tag (nothing when it is not there); resolves with the source.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   INVALID_INPUT for a bad tag.
   */
  async removeTag(
    sourceId: string,
    tag: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, parseLabelCommand('RemoveTag', tag, sourceId));
  }

  /**
   * Lets a role use the source (see `CustomerDataSource.hasAccess`); resolves
   * with the source.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   INVALID_INPUT for a bad role or when the source lists the most roles
   *   allowed (`LIMITS.rolesPerSource`).
   */
  async grantAccess(
    sourceId: string,
    role: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, parseLabelCommand('GrantAccess', role, sourceId));
  }

  /**
   * Takes a role off the source's list (nothing when it is not there);
   * resolves with the source. An empty list lets every role in.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   INVALID_INPUT for a bad role.
   */
  async revokeAccess(
    sourceId: string,
    role: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, parseLabelCommand('RevokeAccess', role, sourceId));
  }

  /**
   * Deletes a source: gone from every query, its stream kept, its id never
   * used again, its name free again. Resolves to false when no live source
   * has the id.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, but never
   *   INVALID_TRANSITION: a deprecated source can be deleted.
   */
  async delete(sourceId: string, ctx?: CommandContext): Promise<boolean> {
    const before = await this.#execute(sourceId, ctx, { type: 'Delete', reason: 'deleted' });
    return before !== null;
  }

  /**
   * Deletes every live source of a tenant in one atomic append; resolves to how many.
   *
   * @throws DataSourceError INVALID_INPUT for a bad tenant id or ctx (an
   *   `expectedVersion` included); FORBIDDEN after `close()` or on a
   *   read-only registry; CONCURRENCY_CONFLICT when sources keep joining the
   *   tenant until `conflictTimeoutMs` runs out; STORE_ERROR when the store
   *   fails. Nothing is written when it throws.
   */
  async clearTenant(tenantId: string, ctx?: CommandContext): Promise<number> {
    const tenant = parseInput(tenantIdSchema, tenantId, 'tenant id');
    const context = parseContext(ctx);
    if (context.expectedVersion !== undefined) {
      throw new DataSourceError('expectedVersion applies to one source, not to clearTenant', {
        code: ErrorCode.INVALID_INPUT,
        details: { issues: [{ path: 'expectedVersion', message: 'not allowed here' }] },
      });
    }
    this.#assertWritable();
    return this.#inFlight.track(this.#writer.clearTenant(tenant, context));
  }

  /**
   * Deletes every live source of the tenant as {@link clearTenant} does (one
   * `DataSourceDeleted` per source, reason `tenant_purged`) and records the
   * purge, in one atomic append: a `TenantPurged` (`deletedSources`, the
   * ctx's actor in its metadata) on the tenant's own stream
   * `$tenant:<tenantId>`, appended even when no live source is left. Then it
   * destroys the tenant's data key. From then on no secret of
   * the tenant can be recovered from the store, from its history, or from
   * its events as stored before (a dump of the events table, an events
   * backup), even with the master key; everything else stays readable, and
   * its secrets read as `"<purged>"`. A copy of the data keys made before the
   * purge defeats it: see docs/security.md. Running it again destroys a key
   * a failed run left. Resolves to how many sources were deleted.
   *
   * @throws DataSourceError INVALID_INPUT for a bad tenant id or context, or
   *   an `expectedVersion`; FORBIDDEN when read-only or closed, or for a
   *   durable store that keeps no data keys (nothing is written);
   *   STORE_ERROR when the store fails.
   */
  async purgeTenant(tenantId: string, ctx?: CommandContext): Promise<number> {
    const tenant = parseInput(tenantIdSchema, tenantId, 'tenant id');
    const context = parseContext(ctx);
    if (context.expectedVersion !== undefined) {
      throw new DataSourceError('expectedVersion applies to one source, not to purgeTenant', {
        code: ErrorCode.INVALID_INPUT,
        details: { issues: [{ path: 'expectedVersion', message: 'not allowed here' }] },
      });
    }
    this.#assertWritable();
    assertCanPurge(this.#rawStore);
    return this.#inFlight.track(
      (async () => {
        // The purge is recorded first: a key destroyed without its record
        // would leave secrets reading as purged with no event saying why.
        const deleted = await this.#writer.clearTenant(tenant, context, 'tenant_purged');
        await destroyTenantKeys(this.#store, this.#rawStore, tenant);
        return deleted;
      })(),
    );
  }

  /**
   * Makes `newKey` the master key: adds it to the log's key ring, then
   * rewraps every tenant data key under it in one transaction; no event is
   * rewritten. This instance seals under `newKey` from then on. Other
   * instances keep working when they were given `[newKey, oldKey]` before;
   * once every instance was restarted with `newKey` alone, the old key may
   * be dropped (unless the log holds secrets written before data keys,
   * which stay under the key that sealed them). Resolves to how many data
   * keys were rewrapped.
   *
   * @throws DataSourceError INVALID_INPUT for a key that is not 32 bytes (or
   *   their base64) or all zero bytes; FORBIDDEN when read-only or closed, or
   *   for a durable store that keeps no data keys; SECRET_UNAVAILABLE when
   *   this registry has no key, or a data key is wrapped under a key it does
   *   not hold (then no data key changed); STORE_ERROR when the store fails.
   */
  async rotateEncryptionKey(newKey: Uint8Array | string): Promise<number> {
    this.#assertWritable();
    return this.#inFlight.track(rotateDataKeys(this.#store, this.#rawStore, this.#hasKey, newKey));
  }

  /**
   * The registry as one tenant sees it, acting as `options.actor` and, with
   * `options.roles`, seeing only the sources those roles may use.
   * @throws DataSourceError INVALID_INPUT for a bad tenant id, actor or roles;
   *   FORBIDDEN after `close()`.
   */
  forTenant(tenantId: string, options?: TenantHandleOptions): TenantHandle {
    this.#assertOpen();
    return createTenantHandle(this, tenantId, options);
  }

  /**
   * Forgets everything. Only an in-memory registry may: a durable log is never erased.
   *
   * @throws DataSourceError FORBIDDEN on a durable store, a read-only
   *   registry, or after `close()`.
   */
  async reset(): Promise<void> {
    this.#assertWritable();
    const store = this.#store;
    if (store.durable || !isMemoryStore(store)) {
      throw new DataSourceError(`reset() would erase a ${store.kind} log; it is refused`, {
        code: ErrorCode.FORBIDDEN,
      });
    }
    await this.#locks.run(['*reset*'], async () => {
      store.clear();
      clearModels(this.#models);
      this.#follower.reset();
    });
  }

  /**
   * The live source with this id, or null.
   *
   * @throws DataSourceError FORBIDDEN after `close()`.
   */
  get(sourceId: string): CustomerDataSource | null {
    this.#assertOpen();
    return this.#queries.get(sourceId);
  }

  /**
   * The live source of this tenant with this name (trimmed, NFC, any case), or null.
   *
   * @throws DataSourceError FORBIDDEN after `close()`.
   */
  getByName(tenantId: string, name: string): CustomerDataSource | null {
    this.#assertOpen();
    return this.#queries.getByName(tenantId, name);
  }

  /**
   * Live sources, sorted by name then id; 100 at most unless `limit` says otherwise.
   *
   * @throws DataSourceError INVALID_INPUT for a bad filter; FORBIDDEN after `close()`.
   */
  list(filter: ListFilter = {}): readonly CustomerDataSource[] {
    this.#assertOpen();
    return this.#queries.list(filter);
  }

  /**
   * How many live sources match the filter (paging ignored).
   *
   * @throws DataSourceError INVALID_INPUT for a bad filter; FORBIDDEN after `close()`.
   */
  count(filter: ListFilter = {}): number {
    this.#assertOpen();
    return this.#queries.count(filter);
  }

  /**
   * Statistics of one tenant, or of all tenants.
   *
   * @throws DataSourceError FORBIDDEN after `close()`.
   */
  getStatistics(tenantId?: string): DataSourceStats {
    this.#assertOpen();
    return this.#queries.getStatistics(tenantId);
  }

  /**
   * Listens to committed events of one type, or all with '*'. Listeners run
   * after the events are committed and applied (queries already show them),
   * in log order, synchronously: a command resolves after its listeners were
   * called. Events come with secrets shown as "***". A listener that throws or
   * rejects fails neither the command nor the other listeners: its error goes
   * to the 'listenerError' listeners, or, when there are none or one of them
   * fails too, to `process.emitWarning` (code 'DATASOURCE_REGISTRY_LISTENER').
   * 'followError' hears reads of the log that failed in the background (each
   * is retried with a growing pause), 'snapshotError' snapshots that could
   * not be written in the background (the registry carries on).
   *
   * @throws DataSourceError INVALID_INPUT for an unknown name (the message
   *   lists the valid ones) or a listener that is not a function; FORBIDDEN
   *   after `close()`.
   */
  on<K extends ListenerName>(name: K, listener: RegistryListeners[K]): this {
    this.#assertOpen();
    this.#bus.on(name, listener);
    return this;
  }

  /** Removes a listener, or every listener of the name when none is given. Never throws. */
  off<K extends ListenerName>(name: K, listener?: RegistryListeners[K]): this {
    this.#bus.off(name, listener);
    return this;
  }

  /**
   * Hands every event of the log to `options.handler`, in log order, at least
   * once, and keeps how far it got in the store under `options.name`, so a
   * subscription of that name resumes there, in this process or after a
   * restart. Returns at once; see docs/subscriptions.md. A read-only
   * registry subscribes too: a checkpoint is no command.
   *
   * @throws DataSourceError INVALID_INPUT for bad options or a name already
   *   running in this registry; FORBIDDEN after `close()`, or when the store
   *   keeps no checkpoints.
   */
  subscribe(options: SubscribeOptions): Subscription {
    this.#assertOpen();
    return this.#subscriptions.start(options);
  }

  /**
   * Saves the registry's state (every stream, deleted ones included, at
   * `registry.position`) to the store, in place of the snapshot it kept, so
   * the next `open()` replays only the events after it. Secrets are sealed
   * under their tenant's data key, as in the events. It runs beside the commands, never blocking
   * one; see docs/snapshots.md.
   *
   * @throws DataSourceError FORBIDDEN after `close()`, when read-only, or
   *   when the store keeps no snapshots; SECRET_UNAVAILABLE when a secret
   *   would be written without a key; STORE_ERROR when the store fails.
   */
  async snapshot(): Promise<SnapshotInfo> {
    this.#assertWritable();
    if (this.#store.storeSnapshot === undefined) {
      throw new DataSourceError(`A ${this.#store.kind} store keeps no snapshots`, {
        code: ErrorCode.FORBIDDEN,
      });
    }
    return this.#inFlight.track(this.#snapshots.take());
  }

  /**
   * Every event of one source's stream, deleted sources included; secrets shown as "***".
   *
   * @throws DataSourceError INVALID_INPUT for a bad id; FORBIDDEN after
   *   `close()`; STORE_ERROR or CORRUPT_LOG when the stream cannot be read.
   */
  async history(sourceId: string): Promise<readonly DataSourceEvent[]> {
    const id = parseSourceId(sourceId);
    this.#assertOpen();
    const stored = await this.#inFlight.track(this.#store.readStream(id));
    return Object.freeze(stored.map((event) => deepFreeze(redactEvent(toDomainEvent(event)))));
  }

  /**
   * The registry as it was at a position of its log, or at a moment: the
   * same queries, answered from the log folded up to there, frozen. At a
   * Date: after every event before the first one that occurred later, in
   * log order. See docs/time-travel.md.
   *
   * @throws DataSourceError INVALID_INPUT for anything but an integer ≥ 0 or
   *   a valid Date, and for a position beyond the head of the log; FORBIDDEN
   *   after `close()`; STORE_ERROR, CORRUPT_LOG or SECRET_UNAVAILABLE when
   *   the log cannot be read.
   */
  async at(moment: number | Date): Promise<RegistryAt> {
    const parsed = parseMoment(moment);
    this.#assertOpen();
    return this.#inFlight.track(registryAt(this.#store, parsed));
  }

  /**
   * Resolves once the registry has applied every event the store held when it was
   * called, whoever appended them: after it, queries answer from at least that
   * point of the log. Rejects with the read's error (STORE_ERROR …) when the
   * log cannot be read.
   */
  async refresh(): Promise<void> {
    this.#assertOpen();
    await this.#inFlight.track(catchUpToHead(this.#store, this.#catchUp));
  }

  /**
   * Stops accepting commands, lets every command already accepted finish
   * (resolve or reject as it would have), then stops following the log and
   * closes the store. Afterwards commands, queries and `on()` fail with
   * FORBIDDEN. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#drainAndClose();
    return this.#closing;
  }

  async #drainAndClose(): Promise<void> {
    // Nothing new is accepted once #closed is set, so one pass sees them all.
    await this.#inFlight.settled();
    await this.#snapshots.stop();
    await this.#subscriptions.stopAll();
    this.#follower.stop();
    // A read still running would otherwise meet a closed store (or a pool that never answers).
    await this.#catchUp.idle();
    await this.#store.close();
  }

  #assertOpen() {
    if (this.#closed) {
      throw new DataSourceError('The registry is closed', { code: ErrorCode.FORBIDDEN });
    }
  }

  #assertWritable() {
    this.#assertOpen();
    if (this.#readOnly) throw readOnlyRefusal();
  }

  #execute(
    sourceId: string,
    ctx: CommandContext | undefined,
    command: DataSourceCommand,
  ): Promise<CustomerDataSource | null> {
    parseSourceId(sourceId);
    const context = parseContext(ctx);
    this.#assertWritable();
    return this.#inFlight.track(this.#writer.execute(sourceId, context, command));
  }

  #apply(events: readonly DataSourceEvent[]) {
    const fresh = events.filter((event) => event.position > this.#models.state.position);
    if (fresh.length === 0) return;
    applyToModels(this.#models, fresh);
    this.#snapshots.applied(fresh.length);
    for (const event of fresh) {
      if (this.#bus.wants(event.type)) this.#bus.publish(deepFreeze(redactEvent(event)));
    }
  }
}
