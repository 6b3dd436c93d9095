import type { EventStore, PendingEvent, StoredEvent } from '../store/event-store.js';
import { missingEncryptionKey } from './encryption-key.js';
import { openEventSecrets, sealEventSecrets } from './event-secrets.js';
import { createSecretCipher } from './secret-cipher.js';
import { formatSecretPath, secretPaths } from './secret-paths.js';

// Wrapping twice would seal sealed values; harmless, but wasted work on every write.
const protectedStores = new WeakSet<EventStore>();

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
 * - everything else is the store's own.
 *
 * Only the `EventStore` members are exposed: an extra method of the store
 * (a synchronous read, say) would bypass the decryption.
 *
 * @param key - 32 bytes, or null when no key is set.
 * @throws DataSourceError INVALID_INPUT when the key is not 32 bytes.
 */
export function protectSecrets(store: EventStore, key: Uint8Array | null): EventStore {
  if (!store.durable || protectedStores.has(store)) return store;
  const cipher = key === null ? null : createSecretCipher(key);
  const seal = (event: PendingEvent): PendingEvent =>
    cipher === null ? refuseWithoutKey(event, store.kind) : sealEventSecrets(event, cipher);
  const open = (events: StoredEvent[]): StoredEvent[] =>
    events.map((event) => openEventSecrets(event, cipher));

  const wrapped: EventStore = {
    kind: store.kind,
    durable: store.durable,
    async append(request) {
      // Every event is sealed (or refused) before the store is called, so a
      // refusal leaves the log untouched.
      const sealed = request.events.map(seal);
      const changed = sealed.some((event, i) => event !== request.events[i]);
      const stored = await store.append(changed ? { ...request, events: sealed } : request);
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
  protectedStores.add(wrapped);
  return wrapped;
}
