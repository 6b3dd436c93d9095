import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { createKeyListCipher } from '../security/key-list-cipher.js';
import { createSnapshotMac } from '../security/snapshot-mac.js';
import {
  createSnapshotSealer,
  createTenantSnapshotSealer,
  type SnapshotSecretMode,
} from '../security/snapshot-secrets.js';
import { createDestroyedKeys, type TenantKeys } from '../security/tenant-keys.js';
import { streamsAtPosition } from '../state/write-model.js';
import type { ChainLink } from '../store/chain.js';
import type { EventStore, StoredEvent } from '../store/event-store.js';
import { type RegistryModels, restoreModels } from './models.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';
import { snapshotFormat } from './snapshot-format.js';

/** The diagnostics channel snapshots are reported on (see docs/snapshots.md). */
export const SNAPSHOT_CHANNEL = 'datasource-registry:snapshot';

/** Why a stored snapshot was not used when the registry opened. */
export type SnapshotIgnoredReason =
  /** Written by code whose state, events or fold differ from this code's. */
  | 'format'
  /** At a position the log has not reached: it belongs to another log. */
  | 'ahead-of-log'
  /** Unreadable, malformed, its tag not checking out, not matching the schemas, or a secret that does not open. */
  | 'invalid';

/** One message of the `snapshot` channel. Never holds a config value or a secret. */
export type SnapshotMessage =
  | {
      readonly action: 'loaded';
      readonly position: number;
      readonly bytes: number;
      readonly durationMs: number;
    }
  | {
      readonly action: 'ignored';
      readonly position: number;
      readonly reason: SnapshotIgnoredReason;
      readonly message: string;
    }
  | {
      readonly action: 'written';
      readonly position: number;
      readonly bytes: number;
      readonly durationMs: number;
    };

/** What `registry.snapshot()` resolves with. */
export interface SnapshotInfo {
  /** The position of the last event the snapshot holds. */
  readonly position: number;
  /** Its size in the store. */
  readonly bytes: number;
}

/** What a `snapshotError` listener receives when a snapshot taken in the background failed. */
export interface SnapshotError {
  error: unknown;
  /** The position it was taken at. */
  position: number;
}

export interface Snapshotter {
  /** On open, before the log is read: restores the stored snapshot when it can be trusted. */
  load(): Promise<void>;
  /** Told how many events each apply took; takes a snapshot in the background when due. */
  applied(events: number): void;
  /** Takes one now (after any being taken), resolves once the store has it. */
  take(): Promise<SnapshotInfo>;
  /** Takes no more; resolves once the one being taken is done. */
  stop(): Promise<void>;
}

export interface SnapshotterOptions {
  readonly store: EventStore;
  readonly models: RegistryModels;
  readonly secrets: SnapshotSecretMode;
  /** Events applied since the last snapshot that make another one due; null for never. */
  readonly every: number | null;
  /** Where the registry checks the log's hash chain: a snapshot restored resumes it. */
  readonly resumeChain: (link: ChainLink) => void;
  readonly reportError: (failure: SnapshotError) => void;
}

const diagnostics = channel(SNAPSHOT_CHANNEL);

function publish(message: SnapshotMessage): void {
  if (diagnostics.hasSubscribers) diagnostics.publish(message);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The stored event at exactly this position, or null (none there, or position 0). */
async function eventAt(store: EventStore, position: number): Promise<StoredEvent | null> {
  if (position === 0) return null;
  const [event] = await store.readAll({ after: position - 1, limit: 1 });
  return event?.position === position ? event : null;
}

/**
 * Saves the registry's write model to the store and restores it on open. A
 * snapshot is written after commits, off every command's path, one at a
 * time; a failure is reported and the registry carries on. On open a
 * snapshot is used only when its format is this code's, its position within
 * the log and every part of it checks out; otherwise it is ignored (and
 * said so on the diagnostics channel) and the whole log is replayed.
 */
export function createSnapshotter(options: SnapshotterOptions): Snapshotter {
  const { store, models, secrets, every } = options;
  /** Events applied since the position of the last snapshot written or loaded. */
  let since = 0;
  let last: SnapshotInfo | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let scheduled: NodeJS.Immediate | null = null;
  let background = false;
  let stopped = false;

  async function write(): Promise<SnapshotInfo> {
    const storeSnapshot = store.storeSnapshot;
    if (storeSnapshot === undefined) throw new Error('the store keeps no snapshots');
    if (last !== null && last.position === models.state.position) return last;
    const started = performance.now();
    const counted = since;
    const format = snapshotFormat();
    const { position, data } = await encodeSnapshot(
      { position: models.state.position, streams: streamsAtPosition(models.state) },
      format,
      secrets,
    );
    // Null where the event is not sealed into the chain yet (PostgreSQL seals after commit).
    const chainHash = (await eventAt(store, position))?.hash ?? null;
    await storeSnapshot.call(store, { position, format, chainHash, data });
    since -= counted;
    last = Object.freeze({ position, bytes: data.byteLength });
    publish({
      action: 'written',
      position,
      bytes: data.byteLength,
      durationMs: performance.now() - started,
    });
    return last;
  }

  function enqueue(): Promise<SnapshotInfo> {
    const next = queue.then(write);
    queue = next.catch(() => {});
    return next;
  }

  function inBackground(): void {
    scheduled = null;
    if (stopped) return;
    background = true;
    const position = models.state.position;
    enqueue()
      .catch((error: unknown) => options.reportError({ error, position }))
      .finally(() => {
        background = false;
      });
  }

  async function load(): Promise<void> {
    const { readSnapshot } = store;
    if (readSnapshot === undefined || models.state.position !== 0) return;
    const started = performance.now();
    let position = 0;
    const ignore = (reason: SnapshotIgnoredReason, message: string) =>
      publish({ action: 'ignored', position, reason, message });
    try {
      const stored = await readSnapshot.call(store);
      if (stored === null) return;
      position = stored.position;
      const format = snapshotFormat();
      if (stored.format !== format) {
        ignore('format', `written as ${stored.format}, this code reads ${format}`);
        return;
      }
      const head = await store.head();
      if (stored.position > head) {
        ignore('ahead-of-log', `at position ${stored.position}, past the head ${head}`);
        return;
      }
      const state = await decodeSnapshot(stored.data, stored, secrets);
      const there = await eventAt(store, stored.position);
      // The snapshot must be of this log: the event it was taken after is still there, as it was.
      if (stored.chainHash !== null && there?.hash !== stored.chainHash) {
        ignore('invalid', `the log's hash at position ${stored.position} is not the snapshot's`);
        return;
      }
      // The events after it are checked from the link there, whether or not the snapshot
      // recorded it (one taken on PostgreSQL before its last event was sealed did not).
      if (there?.hash !== undefined) {
        options.resumeChain({ position: stored.position, hash: there.hash });
      }
      restoreModels(models, state.position, state.streams);
      since = 0;
      last = Object.freeze({ position: state.position, bytes: stored.data.byteLength });
      publish({
        action: 'loaded',
        position,
        bytes: stored.data.byteLength,
        durationMs: performance.now() - started,
      });
    } catch (error) {
      // Never trusted when in doubt: the log is the truth, and replaying it is always right.
      ignore('invalid', messageOf(error));
    }
  }

  return {
    load,
    applied(events) {
      since += events;
      if (every === null || since < every || background || scheduled !== null || stopped) return;
      // After the commit that made it due has resolved, never inside it.
      scheduled = setImmediate(inBackground);
    },
    take() {
      return enqueue();
    },
    async stop() {
      // Stryker disable next-line BooleanLiteral: the scheduled run is cancelled below, and a closed registry applies no more events to schedule another
      stopped = true;
      // Stryker disable next-line ConditionalExpression,EqualityOperator: a stopped snapshotter's scheduled run returns at once (stopped is set above)
      if (scheduled !== null) clearImmediate(scheduled);
      scheduled = null;
      await queue;
    },
  };
}

/**
 * How a registry's snapshots hold secrets: sealed in a durable store (under
 * each tenant's data key where the store keeps them, else under the master
 * keys) and, with a key, authenticated whole; as they are in a store that is
 * not; withheld when read-only.
 *
 * @param store - the store as given, before secrets were protected.
 * @param tenantKeys - the tenant data keys of the protected store, if any.
 */
export function snapshotSecretMode(
  store: EventStore,
  readOnly: boolean,
  keys: readonly Uint8Array[] | null,
  tenantKeys: TenantKeys | null,
): SnapshotSecretMode {
  if (readOnly) {
    return {
      kind: 'withheld',
      durable: store.durable,
      destroyedKeys: store.durable ? createDestroyedKeys(store) : null,
    };
  }
  // Stryker disable next-line all: a store that is not durable keeps no snapshots, so how they would be sealed is never asked
  if (!store.durable) return { kind: 'plain' };
  const mac = keys === null || keys.length === 0 ? null : createSnapshotMac(keys);
  if (tenantKeys !== null)
    return { kind: 'sealed', sealer: createTenantSnapshotSealer(tenantKeys), mac };
  const sealer = keys === null ? null : createSnapshotSealer(createKeyListCipher(keys));
  return { kind: 'sealed', sealer, mac };
}

/**
 * Checks `snapshotEvery` against the store, when the registry is made.
 *
 * @throws DataSourceError INVALID_INPUT when it is set and the store keeps no snapshots.
 */
export function checkSnapshotEvery(store: EventStore, every: number | undefined): void {
  if (every === undefined || store.storeSnapshot !== undefined) return;
  throw new DataSourceError(
    `snapshotEvery needs a store that keeps snapshots; a ${store.kind} store keeps none`,
    {
      code: ErrorCode.INVALID_INPUT,
      details: { issues: [{ path: 'snapshotEvery', message: 'the store keeps no snapshots' }] },
    },
  );
}
