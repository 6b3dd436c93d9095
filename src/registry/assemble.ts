import { DataSourceError, ErrorCode, parseInput } from '../domain/errors.js';
import type { DataSourceEvent } from '../domain/events.js';
import { deepFreeze } from '../domain/freeze.js';
import { type CatchUp, createCatchUp } from '../follow/catch-up.js';
import { type Follower, followStore } from '../follow/follower.js';
import { resolveEncryptionKeys } from '../security/encryption-key.js';
import { enterKeyRing, enterKeyRingSync } from '../security/key-ring.js';
import { protectSecrets, readOnlyStore, tenantKeysOf } from '../security/protected-store.js';
import { redactEvent } from '../security/redact.js';
import { encryptionKeyId } from '../security/secret-cipher.js';
import { createSecretFingerprinter } from '../security/secret-fingerprints.js';
import { checkChainOnRead } from '../store/chain-checked-store.js';
import type { EventStore } from '../store/event-store.js';
import type { MemoryEventStore } from '../store/memory-store.js';
import { type CommandWriter, createCommandWriter } from './command-writer.js';
import { createEventBus, type EventBus } from './event-bus.js';
import { createUlidFactory } from './ids.js';
import { createInFlight, type InFlight } from './in-flight.js';
import { createKeyedLock, type KeyedLock } from './keyed-lock.js';
import {
  applyAheadToModels,
  applyToModels,
  clearModels,
  createModels,
  type RegistryModels,
} from './models.js';
import type { DataSourceRegistryOptions } from './options.js';
import { registryOptionsSchema } from './options.js';
import { toDomainEvent } from './read-events.js';
import {
  checkSnapshotEvery,
  createSnapshotter,
  type Snapshotter,
  snapshotSecretMode,
} from './snapshots.js';
import { type SourceQueries, sourceQueries } from './source-queries.js';
import { createSubscriptions, type Subscriptions } from './subscriptions.js';

/** A memory store a registry can replay without waiting: the constructor's own. */
export function isMemoryStore(store: EventStore): store is MemoryEventStore {
  // Stryker disable next-line ConditionalExpression: only the memory store has readAllSync
  return store.kind === 'memory' && 'readAllSync' in store;
}

/** What a registry is made of, wired to each other. */
export interface RegistryParts {
  /** The store as commands and reads use it: chain checked on read, secrets sealed or withheld. */
  readonly store: EventStore;
  /** The store as given, for what the secrets wrapper does not pass on (the data keys). */
  readonly rawStore: EventStore;
  readonly hasKey: boolean;
  readonly readOnly: boolean;
  /** The ids of this instance's keys, current first; empty without a key or when read-only. */
  readonly keyIds: readonly string[];
  /** The state commands are decided on (and its position, where the log is followed from), the projections queries read. */
  readonly models: RegistryModels;
  readonly queries: SourceQueries;
  readonly bus: EventBus;
  readonly locks: KeyedLock;
  readonly catchUp: CatchUp;
  readonly writer: CommandWriter;
  readonly follower: Follower;
  readonly inFlight: InFlight;
  readonly subscriptions: Subscriptions;
  readonly snapshots: Snapshotter;
  /** Lets the log be read: called at once, or by open() once it has restored a snapshot. */
  readonly restored: () => void;
}

/**
 * Builds a registry's parts from its options. A memory store is replayed
 * here, synchronously; any other waits for `restored()` before its log is
 * read. `assertOpen` is how a part asks whether the registry still is.
 */
export function assembleRegistry(
  options: DataSourceRegistryOptions,
  store: EventStore,
  opened: boolean,
  assertOpen: () => void,
): RegistryParts {
  const settings = parseInput(registryOptionsSchema, options, 'registry options');
  // Checked on every store, so a bad key fails in tests on memory, not first in production.
  const keys = resolveEncryptionKeys(options.encryptionKey, process.env);
  const readOnly = settings.readOnly;
  const keyIds = keys === null || readOnly ? [] : keys.map(encryptionKeyId);
  // The chain is checked on the stored events, secrets still sealed, before anything opens them.
  const chain = checkChainOnRead(store);
  const guarded = readOnly ? readOnlyStore(chain.store) : protectSecrets(chain.store, keys);
  // open() restores a snapshot before anything reads the log; the follower may hear an append first.
  let restored: () => void = () => {};
  const restoring = new Promise<void>((resolve) => {
    restored = resolve;
  });
  if (!opened) restored();

  const models = createModels();
  const bus = createEventBus();
  const locks = createKeyedLock();
  checkSnapshotEvery(store, settings.snapshotEvery);
  const snapshots = createSnapshotter({
    store: guarded,
    models,
    secrets: snapshotSecretMode(store, readOnly, keys, tenantKeysOf(guarded)),
    every: settings.snapshotEvery ?? null,
    resumeChain: (link) => chain.resumeFrom(link),
    reportError: (failure) => bus.reportSnapshotError(failure),
  });
  const apply = (events: readonly DataSourceEvent[]) => {
    const fresh = events.filter((event) => event.position > models.state.position);
    // Stryker disable next-line ConditionalExpression: a shortcut; applying no events changes nothing
    if (fresh.length === 0) return;
    applyToModels(models, fresh);
    snapshots.applied(fresh.length);
    for (const event of fresh) {
      // Stryker disable next-line ConditionalExpression: a shortcut; an event no one listens to is published to no one, and redacting and freezing it is saved
      if (bus.wants(event.type)) bus.publish(deepFreeze(redactEvent(event)));
    }
  };
  // PostgreSQL commits appends side by side: the log below a command's events
  // may hold another writer's append, still open, that only its commit makes
  // readable. The command resolves on its own events instead of waiting, and
  // the follower fills in the rest. Not when a listener wants them: listeners
  // hear the log in order, before the command resolves. SQLite and memory
  // commit one append at a time, so the log below is readable at once.
  const appliesAhead = store.kind === 'postgres';
  const catchUp = createCatchUp(
    guarded,
    () => models.state.position,
    (events) => apply(events.map(toDomainEvent)),
    restoring,
  );
  // The follower subscribes once the rest is ready; a command cannot fall behind before then.
  let follower: Follower | undefined;
  const writer = createCommandWriter({
    store: guarded,
    state: models.state,
    projections: models.projections,
    locks,
    catchUp,
    apply,
    applyAhead: (events) =>
      appliesAhead &&
      !events.some((event) => bus.wants(event.type)) &&
      applyAheadToModels(models, events),
    // Stryker disable next-line ArrowFunction: the store's notice of the same append reaches the follower too, which then reads and reports; this only spares it the wait for that notice
    fellBehind: (head, error) => follower?.fellBehind(head, error),
    clock: options.clock ?? (() => new Date()),
    newId: options.newId ?? createUlidFactory(),
    fingerprint: createSecretFingerprinter(keys?.[0] ?? null),
    conflictTimeoutMs: settings.conflictTimeoutMs,
    retries: settings.conflictRetries ?? Number.POSITIVE_INFINITY,
  });
  if (isMemoryStore(store)) {
    // Stryker disable next-line ConditionalExpression: entering the key ring again changes nothing; open() has entered it
    if (!opened) enterKeyRingSync(store, keyIds);
    const events = store.readAllSync().map(toDomainEvent);
    apply(readOnly ? events.map(redactEvent) : events);
  }
  const subscriptions = createSubscriptions(
    guarded,
    (failure) => bus.reportSubscriptionError(failure),
    assertOpen,
  );
  const following = followStore({
    store,
    position: () => models.state.position,
    catchUp,
    onError: (failure) => bus.reportFollowError(failure),
  });
  follower = following;
  return {
    store: guarded,
    rawStore: store,
    hasKey: keys !== null,
    readOnly,
    keyIds,
    models,
    queries: sourceQueries(models.projections),
    bus,
    locks,
    catchUp,
    writer,
    follower: following,
    inFlight: createInFlight(),
    subscriptions,
    snapshots,
    restored,
  };
}

/**
 * Replays a registry opened on a durable store: its key ring checked before
 * anything is read or written, the newest snapshot that can be trusted, then
 * only the events after it; a new log's ring is pinned once it was read.
 */
export async function replayLog(parts: RegistryParts): Promise<void> {
  const pin = await enterKeyRing(parts.store, parts.keyIds);
  await parts.snapshots.load().finally(parts.restored);
  await parts.catchUp();
  await pin();
}

/** Lets what is in flight finish, stops everything that runs by itself, then closes the store. */
export async function shutDown(parts: RegistryParts): Promise<void> {
  // The registry accepts nothing new by now, so one pass sees everything in flight.
  await parts.inFlight.settled();
  await parts.snapshots.stop();
  await parts.subscriptions.stopAll();
  parts.follower.stop();
  // A read still running would otherwise meet a closed store (or a pool that never answers).
  await parts.catchUp.idle();
  await parts.store.close();
}

/** Empties a memory registry's log and everything built from it; refused on any other store. */
export async function resetLog(parts: RegistryParts): Promise<void> {
  const { store } = parts;
  if (store.durable || !isMemoryStore(store)) {
    throw new DataSourceError(`reset() would erase a ${store.kind} log; it is refused`, {
      code: ErrorCode.FORBIDDEN,
    });
  }
  await parts.locks.run(['*reset*'], () =>
    parts.subscriptions.rewind(() => {
      store.clear();
      clearModels(parts.models);
      parts.follower.reset();
    }),
  );
}
