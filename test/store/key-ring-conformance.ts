import { describe, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import type { EventStore } from '../../src/store/event-store.js';
import { barrier } from '../support/barrier.js';
import type { EventStoreFactory } from './conformance-fixtures.js';

type KeyRingStore = EventStore & Required<Pick<EventStore, 'pinKeyRing' | 'addToKeyRing'>>;

function withRing(store: EventStore): KeyRingStore {
  if (store.pinKeyRing === undefined || store.addToKeyRing === undefined) {
    throw new Error(`The ${store.kind} store keeps no key ring`);
  }
  return store as KeyRingStore;
}

/**
 * The key ring part of the conformance suite: `current()` is the test's
 * store, `keep` hands a further store object to the suite to close.
 */
export function describeKeyRingConformance(
  current: () => EventStore,
  factory: EventStoreFactory,
  keep: (store: EventStore) => void,
): void {
  describe('key ring', () => {
    it('is empty on a new log, and reading it pins nothing', async () => {
      const store = withRing(current());
      expect(await store.pinKeyRing([])).toEqual([]);
      expect(await store.pinKeyRing([])).toEqual([]);
    });

    it('pins the ids given into an empty ring, in their order', async () => {
      const store = withRing(current());
      expect(await store.pinKeyRing(['k2', 'k1'])).toEqual(['k2', 'k1']);
    });

    it('keeps the pinned ring when a later pin brings other ids', async () => {
      const store = withRing(current());
      await store.pinKeyRing(['k1']);
      expect(await store.pinKeyRing(['k9'])).toEqual(['k1']);
    });

    it('adds an id after the others, once', async () => {
      const store = withRing(current());
      await store.pinKeyRing(['k1']);
      await store.addToKeyRing('k2');
      expect(await store.addToKeyRing('k2')).toEqual(['k1', 'k2']);
    });

    it('refuses an empty id with INVALID_INPUT and changes nothing', async () => {
      const store = withRing(current());
      const error = await store.pinKeyRing(['k1', '']).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(DataSourceError);
      expect((error as DataSourceError).code).toBe(ErrorCode.INVALID_INPUT);
      expect(await store.pinKeyRing([])).toEqual([]);
    });

    it('keeps the ring out of the log', async () => {
      const store = withRing(current());
      await store.pinKeyRing(['k1']);
      expect(await store.head()).toBe(0);
      expect(await store.readAll()).toEqual([]);
    });

    it('lets exactly one of two first pins racing on an empty ring win', async () => {
      const store = withRing(current());
      // A second connection where the store has one; the memory store is one object.
      const other = withRing(factory.reopen ? await factory.reopen(store) : store);
      if (other !== store) keep(other);
      const start = barrier(2);
      const [first, second] = await Promise.all([
        start.arrive().then(() => store.pinKeyRing(['a'])),
        start.arrive().then(() => other.pinKeyRing(['b'])),
      ]);
      expect(first).toEqual(second);
      expect(first).toHaveLength(1);
    });

    it.runIf(factory.reopen !== undefined)('keeps the ring after close and reopen', async () => {
      const store = withRing(current());
      await store.pinKeyRing(['k1']);
      await store.addToKeyRing('k2');
      await store.close();
      const reopened = withRing(
        await (factory.reopen as NonNullable<typeof factory.reopen>)(store),
      );
      keep(reopened);
      expect(await reopened.pinKeyRing(['k3'])).toEqual(['k1', 'k2']);
    });
  });
}
