import { describe, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import type { EventStore } from '../../src/store/event-store.js';
import { type EventStoreFactory, streamAppend } from './conformance-fixtures.js';

type CheckpointStore = EventStore &
  Required<Pick<EventStore, 'readCheckpoint' | 'storeCheckpoint'>>;

function withCheckpoints(store: EventStore): CheckpointStore {
  if (store.readCheckpoint === undefined || store.storeCheckpoint === undefined) {
    throw new Error(`The ${store.kind} store keeps no subscription checkpoints`);
  }
  return store as CheckpointStore;
}

async function refusal(promise: Promise<unknown>): Promise<DataSourceError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DataSourceError);
  return error as DataSourceError;
}

/**
 * The subscription checkpoint part of the conformance suite: `current()` is
 * the test's store, `keep` hands a further store object to the suite to close.
 */
export function describeCheckpointConformance(
  current: () => EventStore,
  factory: EventStoreFactory,
  keep: (store: EventStore) => void,
): void {
  describe('subscription checkpoints', () => {
    it('has no checkpoint for a name never stored', async () => {
      expect(await withCheckpoints(current()).readCheckpoint('billing')).toBeNull();
    });

    it('reads back the position stored under a name, apart from other names', async () => {
      const store = withCheckpoints(current());
      await store.storeCheckpoint('billing', 3);
      await store.storeCheckpoint('search', 0);
      expect(await store.readCheckpoint('billing')).toBe(3);
      expect(await store.readCheckpoint('search')).toBe(0);
    });

    it('moves a checkpoint forward but never back', async () => {
      const store = withCheckpoints(current());
      await store.storeCheckpoint('billing', 5);
      await store.storeCheckpoint('billing', 2);
      expect(await store.readCheckpoint('billing')).toBe(5);
      await store.storeCheckpoint('billing', 9);
      expect(await store.readCheckpoint('billing')).toBe(9);
    });

    it('keeps the furthest of checkpoints stored at once', async () => {
      const store = withCheckpoints(current());
      await Promise.all([4, 8, 1, 6].map((position) => store.storeCheckpoint('billing', position)));
      expect(await store.readCheckpoint('billing')).toBe(8);
    });

    it('refuses an empty name or a position that is not an integer ≥ 0 with INVALID_INPUT', async () => {
      const store = withCheckpoints(current());
      for (const bad of [
        store.storeCheckpoint('', 1),
        store.storeCheckpoint('x'.repeat(129), 1),
        store.storeCheckpoint('billing', -1),
        store.storeCheckpoint('billing', 1.5),
        store.readCheckpoint(''),
      ]) {
        expect((await refusal(bad)).code).toBe(ErrorCode.INVALID_INPUT);
      }
      expect(await store.readCheckpoint('billing')).toBeNull();
    });

    it('keeps checkpoints out of the log', async () => {
      const store = withCheckpoints(current());
      await store.append(streamAppend('s1', 0));
      await store.storeCheckpoint('billing', 1);
      expect((await store.readAll()).map((event) => event.sourceId)).toEqual(['s1']);
      expect(await store.head()).toBe(1);
    });

    it.runIf(factory.reopen !== undefined)('keeps checkpoints after close and reopen', async () => {
      const store = withCheckpoints(current());
      await store.storeCheckpoint('billing', 7);
      await store.close();
      const reopened = await (factory.reopen as NonNullable<typeof factory.reopen>)(store);
      keep(reopened);
      expect(await withCheckpoints(reopened).readCheckpoint('billing')).toBe(7);
    });
  });
}
