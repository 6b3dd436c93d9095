import { deepFreeze } from '../domain/freeze.js';
import {
  checkAppendRequest,
  claimConflict,
  dataKeyConflict,
  tenantConflict,
  versionConflict,
} from './append-checks.js';
import { writeEnded, writeStarted } from './append-diagnostics.js';
import { eventHash, GENESIS_HASH } from './chain.js';
import { checkDataKeyTenant, checkNewDataKey, createMemoryDataKeys } from './data-keys.js';
import type {
  AppendListener,
  AppendOutcome,
  AppendRequest,
  CompleteEventStore,
  EventStore,
  ReadAllOptions,
  StoredEvent,
} from './event-store.js';
import { createMemoryKeyRing } from './key-ring.js';
import { checkSnapshot, replacesSnapshot, type StoredSnapshot } from './snapshots.js';
import { checkCheckpoint, checkSubscriptionName } from './subscription-checkpoints.js';

/** The in-memory store; it can also be read synchronously, so a registry on it is ready at once. */
export interface MemoryEventStore extends CompleteEventStore {
  readonly kind: 'memory';
  /** `readAll`, answered at once: what lets a registry on this store be built without `open()`. */
  readAllSync(options?: ReadAllOptions): StoredEvent[];
  /** {@link EventStore.pinKeyRing} at once, for a registry made without `open()`. */
  pinKeyRingSync(keyIds: readonly string[]): readonly string[];
  /** {@link EventStore.addToKeyRing} at once. */
  addToKeyRingSync(keyId: string): readonly string[];
  /**
   * Forgets every event, claim, subscription checkpoint and snapshot: what
   * `registry.reset()` does. Checkpoints and the snapshot go too, since
   * positions start again at 1. The key ring and the data keys stay.
   */
  clear(): void;
}

const claimId = (scope: string, key: string) => `${scope}\u0000${key}`;

/** An event store that lives in this process only: for tests, demos and caches. */
export function createMemoryEventStore(): MemoryEventStore {
  let log: StoredEvent[] = [];
  let streams = new Map<string, StoredEvent[]>();
  let claims = new Map<string, string>();
  let checkpoints = new Map<string, number>();
  let snapshot: StoredSnapshot | null = null;

  const listeners = new Set<AppendListener>();
  const keyRing = createMemoryKeyRing();
  const dataKeys = createMemoryDataKeys();

  function published(stored: readonly StoredEvent[]): void {
    if (stored.length === 0) return;
    const head = log.length;
    queueMicrotask(() => {
      for (const listener of listeners) listener(head);
    });
  }

  function appendSync(request: AppendRequest): StoredEvent[] {
    checkAppendRequest(request);
    // A command's append names one stream: it is looked up once, for the check and the push.
    let checkedId: string | undefined;
    let checkedStream: StoredEvent[] | undefined;
    const { expectedVersions } = request;
    for (const streamId in expectedVersions) {
      if (!Object.hasOwn(expectedVersions, streamId)) continue;
      const expected = expectedVersions[streamId];
      checkedStream = streams.get(streamId);
      checkedId = streamId;
      const actual = checkedStream?.length ?? 0;
      if (actual !== expected) throw versionConflict(streamId, expected as number, actual);
    }
    const guard = request.tenantUnchanged;
    if (guard && request.events.length > 0) {
      const created = log
        .slice(Math.max(0, guard.position))
        .find((event) => event.tenantId === guard.tenantId && event.streamVersion === 1);
      if (created) throw tenantConflict(guard, created.position);
    }
    // Check every claim before changing any, so a refused append leaves the claims as they were.
    const released = new Set<string>();
    for (const release of request.releases ?? []) {
      const id = claimId(release.scope, release.key);
      if (claims.get(id) === release.owner) released.add(id);
    }
    for (const claim of request.claims ?? []) {
      const owner = claims.get(claimId(claim.scope, claim.key));
      const free = owner === undefined || released.has(claimId(claim.scope, claim.key));
      if (!free && owner !== claim.owner) throw claimConflict(claim, owner);
    }
    const destroyed = request.sealedUnder?.find((keyId) => !dataKeys.isLive(keyId));
    if (destroyed !== undefined) throw dataKeyConflict(destroyed);
    // Frozen before anything changes: data that cannot be frozen fails the
    // append while the claims and the log are still as they were.
    // Appends run one at a time, so the event before is the last of the log.
    let previous = log.at(-1)?.hash ?? GENESIS_HASH;
    const stored = request.events.map((event, i) => {
      // Field by field, which V8 builds much faster than two spreads.
      const row = {
        eventId: event.eventId,
        type: event.type,
        schemaVersion: event.schemaVersion,
        sourceId: event.sourceId,
        tenantId: event.tenantId,
        streamVersion: event.streamVersion,
        position: log.length + i + 1,
        occurredAt: event.occurredAt,
        data: deepFreeze(event.data),
        metadata: deepFreeze(event.metadata),
        hash: '',
      };
      row.hash = previous = eventHash(previous, row);
      return Object.freeze(row);
    });
    for (const id of released) claims.delete(id);
    for (const claim of request.claims ?? [])
      claims.set(claimId(claim.scope, claim.key), claim.owner);
    for (const event of stored) {
      log.push(event);
      let stream = event.sourceId === checkedId ? checkedStream : streams.get(event.sourceId);
      if (!stream) {
        stream = [];
        streams.set(event.sourceId, stream);
        if (event.sourceId === checkedId) checkedStream = stream;
      }
      stream.push(event);
    }
    if (request.destroysDataKeysOf !== undefined) dataKeys.destroy(request.destroysDataKeysOf);
    return stored;
  }

  function readAllSync({ after = 0, tenantId, limit }: ReadAllOptions = {}): StoredEvent[] {
    // Positions are dense from 1, so the first event after `after` is at index `after`.
    const end = limit === undefined || tenantId !== undefined ? log.length : after + limit;
    const slice = log.slice(Math.max(0, after), end);
    if (tenantId === undefined) return slice;
    const mine = slice.filter((event) => event.tenantId === tenantId);
    return limit === undefined ? mine : mine.slice(0, limit);
  }

  return {
    kind: 'memory',
    durable: false,
    async append(request) {
      const started = writeStarted();
      let stored: StoredEvent[];
      try {
        stored = appendSync(request);
      } catch (error) {
        if (started !== null) {
          writeEnded('memory', [request], started, {
            outcomes: [{ ok: false, error: error as Error }],
          });
        }
        throw error;
      }
      if (started !== null) {
        writeEnded('memory', [request], started, { outcomes: [{ ok: true, events: stored }] });
      }
      published(stored);
      return stored;
    },
    async appendBatch(requests) {
      // Nothing to commit in memory: the batch is each command in turn.
      const outcomes = requests.map((request): AppendOutcome => {
        try {
          return { ok: true, events: appendSync(request) };
        } catch (error) {
          return { ok: false, error: error as Error };
        }
      });
      published(outcomes.flatMap((outcome) => (outcome.ok ? outcome.events : [])));
      return outcomes;
    },
    readAllSync,
    async readAll(options) {
      return readAllSync(options);
    },
    async readStream(streamId) {
      return [...(streams.get(streamId) ?? [])];
    },
    async head() {
      return log.length;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    pinKeyRingSync: (keyIds) => keyRing.pin(keyIds),
    addToKeyRingSync: (keyId) => keyRing.add(keyId),
    async pinKeyRing(keyIds) {
      return keyRing.pin(keyIds);
    },
    async addToKeyRing(keyId) {
      return keyRing.add(keyId);
    },
    async readDataKeys(tenantId) {
      return dataKeys.read(tenantId === undefined ? undefined : checkDataKeyTenant(tenantId));
    },
    async createDataKey(record) {
      return dataKeys.create(checkNewDataKey(record));
    },
    async rewrapDataKeys(rewrap) {
      return dataKeys.rewrap(rewrap);
    },
    async destroyDataKeys(tenantId) {
      return dataKeys.destroy(checkDataKeyTenant(tenantId));
    },
    async readCheckpoint(name) {
      return checkpoints.get(checkSubscriptionName(name)) ?? null;
    },
    async storeCheckpoint(name, position) {
      checkCheckpoint(name, position);
      checkpoints.set(name, Math.max(position, checkpoints.get(name) ?? 0));
    },
    async readSnapshot() {
      return snapshot && Object.freeze({ ...snapshot, data: Uint8Array.from(snapshot.data) });
    },
    async storeSnapshot(next) {
      const checked = checkSnapshot(next);
      // A copy: the caller's bytes may change after the call, the kept ones must not.
      const kept = Object.freeze({ ...checked, data: Uint8Array.from(checked.data) });
      if (replacesSnapshot(snapshot, kept)) snapshot = kept;
    },
    clear() {
      log = [];
      streams = new Map();
      claims = new Map();
      checkpoints = new Map();
      snapshot = null;
    },
    // Nothing to release, and other registries may share this store: each
    // one's unsubscribe removes its own listener.
    async close() {},
  };
}
