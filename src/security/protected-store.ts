import { DataSourceError, ErrorCode } from '../domain/errors.js';
import type { EventStore, PendingEvent, StoredEvent } from '../store/event-store.js';
import { missingEncryptionKey } from './encryption-key.js';
import {
  openEventSecrets,
  sealEventSecrets,
  sealEventSecretsForTenant,
  sealedTokens,
  withholdEventSecrets,
} from './event-secrets.js';
import { createKeyListCipher } from './key-list-cipher.js';
import { redactEvent } from './redact.js';
import { formatSecretPath, secretPaths } from './secret-paths.js';
import {
  createDestroyedKeys,
  createTenantKeys,
  dataKeyIdOf,
  type KeyedSealer,
  keepsDataKeys,
  type TenantKeys,
} from './tenant-keys.js';

// Wrapping twice would seal sealed values; harmless, but wasted work on every write.
const protectedStores = new WeakSet<EventStore>();
/** The data keys behind each protected store that keeps them. */
const tenantKeysByStore = new WeakMap<EventStore, TenantKeys>();

/**
 * The tenant data keys a store returned by {@link protectSecrets} seals
 * with, or null when it seals under the master key (no key, a store without
 * data keys, or a memory store).
 */
export function tenantKeysOf(store: EventStore): TenantKeys | null {
  return tenantKeysByStore.get(store) ?? null;
}

function refuseWithoutKey(event: PendingEvent, kind: string): PendingEvent {
  const paths = secretPaths(event);
  if (paths.length === 0) return event;
  const fields = paths.map(formatSecretPath);
  throw missingEncryptionKey(
    `Cannot write the secrets of data source ${event.sourceId} (${fields.join(', ')}) to the ${kind} store in plaintext`,
    { sourceId: event.sourceId, details: { eventId: event.eventId, paths: fields } },
  );
}

/**
 * The store with secrets encrypted at its boundary: what
 * goes in is sealed with AES-256-GCM under `key`, what comes out is opened, so
 * the registry above works with plaintext and the log never holds it.
 *
 * A store that is not durable is returned unchanged: it never outlives the
 * process, so there is nothing to protect it from.
 *
 * - `append` seals each event's secrets before the store sees it and returns
 *   the stored events with the caller's plaintext data at the positions the
 *   store gave. With no key, an event that carries a secret fails the whole
 *   append with SECRET_UNAVAILABLE before anything is written; events without
 *   secrets are written as they are.
 * - `readAll` and `readStream` open the secrets, and fail with
 *   SECRET_UNAVAILABLE when one cannot be opened (no key, another key,
 *   altered, moved).
 * - with several keys, the first seals and each opens what was sealed under it.
 * - everything else is the store's own.
 *
 * Only the `EventStore` members are exposed: an extra method of the store
 * (a synchronous read, say) would bypass the decryption.
 *
 * @param keys - 32 bytes, or a list of such keys (current first), or null when no key is set.
 * @throws DataSourceError INVALID_INPUT when a key is not 32 bytes.
 */
export function protectSecrets(
  store: EventStore,
  keys: Uint8Array | readonly Uint8Array[] | null,
): EventStore {
  if (!store.durable || protectedStores.has(store)) return store;
  // Stryker disable next-line ConditionalExpression: null is no Uint8Array, so without the first test null still gives null
  const list = keys === null ? null : keys instanceof Uint8Array ? [keys] : keys;
  const cipher = list === null ? null : createKeyListCipher(list);
  const tenantKeys = list !== null && keepsDataKeys(store) ? createTenantKeys(store, list) : null;
  /** The events with their secrets sealed, and the data keys they were sealed under. */
  const seal = async (
    events: readonly PendingEvent[],
  ): Promise<{ events: PendingEvent[]; sealedUnder: string[] }> => {
    if (cipher === null) {
      return {
        events: events.map((event) => refuseWithoutKey(event, store.kind)),
        sealedUnder: [],
      };
    }
    if (tenantKeys === null) {
      return { events: events.map((event) => sealEventSecrets(event, cipher)), sealedUnder: [] };
    }
    // One data-key lookup per tenant of the request, and none for events without secrets.
    const sealers = new Map<string, KeyedSealer>();
    for (const event of events) {
      if (sealers.has(event.tenantId) || secretPaths(event).length === 0) continue;
      sealers.set(event.tenantId, await tenantKeys.keyedSealerFor(event.tenantId));
    }
    const sealed = events.map((event) => {
      const sealer = sealers.get(event.tenantId);
      return sealer === undefined ? event : sealEventSecretsForTenant(event, sealer.seal);
    });
    return { events: sealed, sealedUnder: [...sealers.values()].map((sealer) => sealer.keyId) };
  };
  const open = async (events: StoredEvent[]): Promise<StoredEvent[]> => {
    if (tenantKeys === null) return events.map((event) => openEventSecrets(event, cipher));
    // A purge read from the log, whoever appended it: its tenant's keys are
    // gone from the store, so they go from here too, before anything opens.
    for (const tenantId of purgedTenants(events)) await tenantKeys.refresh(tenantId);
    const dataKeyIds = sealedTokens(events).flatMap((token) => dataKeyIdOf(token) ?? []);
    await tenantKeys.load(dataKeyIds);
    return events.map((event) => openEventSecrets(event, cipher, tenantKeys.openLoaded));
  };

  const wrapped: EventStore = {
    kind: store.kind,
    durable: store.durable,
    async append(request) {
      // Every event is sealed (or refused) before the store is called, so a
      // refusal leaves the log untouched.
      const { events: sealed, sealedUnder } = await seal(request.events);
      const changed = sealed.some((event, i) => event !== request.events[i]);
      const stored = await store.append(
        changed ? { ...request, events: sealed, sealedUnder } : request,
      );
      if (request.destroysDataKeysOf !== undefined) {
        await tenantKeys?.refresh(request.destroysDataKeysOf);
      }
      if (!changed) return stored;
      // The store returns the events in request order; the caller gets back
      // the data it passed, not ciphertext it would have to open again.
      return stored.map((event, i) => {
        const original = request.events[i];
        if (original === undefined || sealed[i] === original) return event;
        return Object.freeze({ ...event, data: original.data });
      });
    },
    async readAll(options) {
      return open(await store.readAll(options));
    },
    async readStream(streamId) {
      return open(await store.readStream(streamId));
    },
    head: () => store.head(),
    subscribe: (listener) => store.subscribe(listener),
    close: () => store.close(),
  };
  // The ring holds key ids only: nothing to seal on the way.
  const { pinKeyRing, addToKeyRing } = store;
  if (pinKeyRing) wrapped.pinKeyRing = (keyIds) => pinKeyRing.call(store, keyIds);
  if (addToKeyRing) wrapped.addToKeyRing = (keyId) => addToKeyRing.call(store, keyId);
  passCheckpoints(store, wrapped);
  // Snapshots pass as they are: the registry seals their secrets itself (snapshot-secrets.ts).
  const { readSnapshot, storeSnapshot } = store;
  if (readSnapshot) wrapped.readSnapshot = () => readSnapshot.call(store);
  if (storeSnapshot) wrapped.storeSnapshot = (snapshot) => storeSnapshot.call(store, snapshot);
  protectedStores.add(wrapped);
  // Stryker disable next-line ConditionalExpression: a null kept for the store reads back as the null that no entry gives
  if (tenantKeys !== null) tenantKeysByStore.set(wrapped, tenantKeys);
  return wrapped;
}

/** The tenants whose purge is among the events. */
function purgedTenants(events: readonly StoredEvent[]): Set<string> {
  const tenants = new Set<string>();
  for (const event of events) if (event.type === 'TenantPurged') tenants.add(event.tenantId);
  return tenants;
}

/**
 * Hands a store's subscription checkpoints through a wrapper: a checkpoint
 * is a position under a name, with no secret to seal and no command in it,
 * so a read-only registry's subscriptions keep theirs too.
 */
function passCheckpoints(store: EventStore, wrapped: EventStore): void {
  const { readCheckpoint, storeCheckpoint } = store;
  if (readCheckpoint) wrapped.readCheckpoint = (name) => readCheckpoint.call(store, name);
  if (storeCheckpoint) {
    wrapped.storeCheckpoint = (name, position) => storeCheckpoint.call(store, name, position);
  }
}

/**
 * The store as a reader without the key sees it: every sealed secret reads as
 * `"***"` (`"<purged>"` once its tenant was purged), and `append` is refused with FORBIDDEN before the store is called.
 * Unlike {@link protectSecrets} it wraps a memory store too, so a read-only
 * registry shows no secret whatever its store. The key ring is left out: a
 * reader never changes it. Subscription checkpoints pass through: a service
 * that only reads still records how far its subscriptions got. A snapshot
 * can be read (its secrets are withheld when it is decoded), never stored.
 */
export function readOnlyStore(store: EventStore): EventStore {
  const destroyedKeys = createDestroyedKeys(store);
  const withhold = async (events: StoredEvent[]) => {
    if (!store.durable) return events.map(redactEvent);
    const destroyed = await destroyedKeys(sealedTokens(events));
    return events.map((event) => withholdEventSecrets(event, destroyed));
  };
  const wrapped: EventStore = {
    kind: store.kind,
    durable: store.durable,
    async append() {
      throw readOnlyRefusal();
    },
    async readAll(options) {
      return withhold(await store.readAll(options));
    },
    async readStream(streamId) {
      return withhold(await store.readStream(streamId));
    },
    head: () => store.head(),
    subscribe: (listener) => store.subscribe(listener),
    close: () => store.close(),
  };
  passCheckpoints(store, wrapped);
  // A reader loads a snapshot (its secrets withheld as it withholds the events'), never stores one.
  const { readSnapshot } = store;
  if (readSnapshot) wrapped.readSnapshot = () => readSnapshot.call(store);
  return wrapped;
}

/** The error of every write through a read-only registry. */
export function readOnlyRefusal(): DataSourceError {
  return new DataSourceError(
    'This registry was opened read-only: it appends nothing. Open it without `readOnly` (and with the encryption key) to change data sources',
    { code: ErrorCode.FORBIDDEN },
  );
}
