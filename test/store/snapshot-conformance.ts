import { describe, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import type { EventStore, StoredSnapshot } from '../../src/store/event-store.js';
import { type EventStoreFactory, streamAppend } from './conformance-fixtures.js';

type SnapshotStore = EventStore & Required<Pick<EventStore, 'readSnapshot' | 'storeSnapshot'>>;

function withSnapshots(store: EventStore): SnapshotStore {
  if (store.readSnapshot === undefined || store.storeSnapshot === undefined) {
    throw new Error(`The ${store.kind} store keeps no snapshots`);
  }
  return store as SnapshotStore;
}

const snapshotAt = (position: number, text = `state at ${position}`): StoredSnapshot => ({
  position,
  format: 'f1',
  chainHash: null,
  data: Buffer.from(text),
});

/** What a read gives back, with its bytes as text, for comparing. */
async function readBack(store: SnapshotStore) {
  const kept = await store.readSnapshot();
  return kept && { ...kept, data: Buffer.from(kept.data).toString() };
}

/**
 * The snapshot part of the conformance suite: `current()` is the test's
 * store, `keep` hands a further store object to the suite to close.
 */
export function describeSnapshotConformance(
  current: () => EventStore,
  factory: EventStoreFactory,
  keep: (store: EventStore) => void,
): void {
  describe('snapshots', () => {
    it('has no snapshot before one is stored', async () => {
      expect(await withSnapshots(current()).readSnapshot()).toBeNull();
    });

    it('reads back the snapshot stored, its bytes, format and chain hash as they were', async () => {
      const store = withSnapshots(current());
      const bytes = Buffer.from([0, 255, 1, 128, 0x7b]);
      await store.storeSnapshot({ position: 4, format: 'f1', chainHash: 'abc', data: bytes });
      const kept = await store.readSnapshot();
      expect(kept?.position).toBe(4);
      expect(kept?.format).toBe('f1');
      expect(kept?.chainHash).toBe('abc');
      expect([...(kept?.data ?? [])]).toEqual([...bytes]);
    });

    it('keeps only the newest snapshot, and never goes back to a lower position', async () => {
      const store = withSnapshots(current());
      await store.storeSnapshot(snapshotAt(5));
      await store.storeSnapshot(snapshotAt(9));
      await store.storeSnapshot(snapshotAt(2));
      expect(await readBack(store)).toEqual({
        position: 9,
        format: 'f1',
        chainHash: null,
        data: 'state at 9',
      });
    });

    it('replaces a snapshot at the same position, as a newer format would', async () => {
      const store = withSnapshots(current());
      await store.storeSnapshot(snapshotAt(5, 'old'));
      await store.storeSnapshot({ ...snapshotAt(5, 'new'), format: 'f2' });
      expect(await readBack(store)).toMatchObject({ position: 5, format: 'f2', data: 'new' });
    });

    it('refuses a snapshot that is not one with INVALID_INPUT, keeping the one it had', async () => {
      const store = withSnapshots(current());
      await store.storeSnapshot(snapshotAt(3));
      const bad: unknown[] = [
        { ...snapshotAt(4), position: -1 },
        { ...snapshotAt(4), position: 1.5 },
        { ...snapshotAt(4), format: '' },
        { ...snapshotAt(4), data: 'not bytes' },
        { ...snapshotAt(4), chainHash: 7 },
        { ...snapshotAt(4), extra: true },
      ];
      for (const snapshot of bad) {
        const error = await store.storeSnapshot(snapshot as StoredSnapshot).then(
          () => null,
          (reason: unknown) => reason,
        );
        expect(error).toBeInstanceOf(DataSourceError);
        expect((error as DataSourceError).code).toBe(ErrorCode.INVALID_INPUT);
      }
      expect((await readBack(store))?.data).toBe('state at 3');
    });

    it('keeps snapshots out of the log', async () => {
      const store = withSnapshots(current());
      await store.append(streamAppend('s1', 0));
      await store.storeSnapshot(snapshotAt(1));
      expect((await store.readAll()).map((event) => event.sourceId)).toEqual(['s1']);
      expect(await store.head()).toBe(1);
    });

    it.runIf(factory.reopen !== undefined)(
      'keeps the snapshot after close and reopen',
      async () => {
        const store = withSnapshots(current());
        await store.storeSnapshot(snapshotAt(7));
        await store.close();
        const reopened = await (factory.reopen as NonNullable<typeof factory.reopen>)(store);
        keep(reopened);
        expect((await readBack(withSnapshots(reopened)))?.data).toBe('state at 7');
      },
    );
  });
}
