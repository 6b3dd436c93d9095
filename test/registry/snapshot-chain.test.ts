/**
 * A snapshot records the log's hash at its position: it is used only on the
 * log it was taken from, and the events after it are checked against the
 * chain from there, as a full replay checks them from the start.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DataSourceRegistry, ErrorCode } from '../../src/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { hearDiagnostics } from '../support/diagnostics.js';
import { eventTable } from '../support/event-tables.js';
import { databaseInput, failsWith } from '../support/registry-fixtures.js';
import { hearSnapshots } from '../support/snapshots.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('snapshot-chain-');
const encryptionKey = randomBytes(32);

/** A log of four events with a snapshot taken after the second; its file. */
async function snapshotAfterTwo(name = 'log.db') {
  const filename = join(tempDir(), name);
  const registry = await DataSourceRegistry.open({
    store: createSqliteEventStore({ filename }),
    encryptionKey,
  });
  // No secret: a snapshot of another log would otherwise fail on its data keys first.
  const source = await registry.register({ ...databaseInput(), config: { host: 'db.internal' } });
  await registry.activate(source.sourceId);
  await registry.snapshot();
  await registry.addTag(source.sourceId, 'prod');
  await registry.addTag(source.sourceId, 'eu');
  await registry.close();
  return filename;
}

const reopen = (filename: string) =>
  DataSourceRegistry.open({ store: createSqliteEventStore({ filename }), encryptionKey });

it('records the hash of the event it was taken after', async () => {
  const filename = await snapshotAfterTwo();
  const store = createSqliteEventStore({ filename });
  const [second] = await store.readAll({ after: 1, limit: 1 });
  const stored = await store.readSnapshot();
  await store.close();

  expect(stored).toMatchObject({ position: 2, chainHash: second?.hash });
  expect(stored?.chainHash).toMatch(/^[0-9a-f]{64}$/);
});

it('ignores a snapshot taken from another log of the same length', async () => {
  const mine = await snapshotAfterTwo('mine.db');
  const other = await snapshotAfterTwo('other.db');
  const from = createSqliteEventStore({ filename: other });
  const foreign = await from.readSnapshot();
  await from.close();
  const into = createSqliteEventStore({ filename: mine });
  if (foreign === null) return expect.unreachable('no snapshot');
  await into.storeSnapshot(foreign);
  await into.close();

  const heard = hearSnapshots();
  const registry = await reopen(mine);
  await registry.close();

  expect(heard).toMatchObject([
    { action: 'ignored', reason: 'invalid', message: expect.stringMatching(/hash at position 2/) },
  ]);
});

/** Edits the third event (after the snapshot at 2) in the file, and sees the reopen fail there, from the snapshot. */
async function expectBrokenAfterSnapshot(filename: string): Promise<void> {
  const table = eventTable({ kind: 'sqlite', filename });
  const third = (await table.rows())[2];
  if (third === undefined) return expect.unreachable('no third event');
  await table.put({ ...third, data: third.data.replace('"prod"', '"dev"') });

  const heard = hearSnapshots();
  const error = await failsWith(() => reopen(filename), ErrorCode.CORRUPT_LOG);

  expect(heard).toMatchObject([{ action: 'loaded', position: 2 }]);
  expect(error.details).toMatchObject({ position: 3 });
}

it('checks the events after the snapshot against the chain, as a full replay does', async () => {
  const filename = await snapshotAfterTwo();
  await expectBrokenAfterSnapshot(filename);
});

it('reads nothing of the log under a snapshot while restoring it, whatever it hears meanwhile', async () => {
  const filename = await snapshotAfterTwo();
  const writer = await reopen(filename);
  const [source] = writer.list();
  if (source === undefined) return expect.unreachable('no source');
  const store = createSqliteEventStore({ filename });
  const slowToRestore = {
    ...store,
    // Another writer appends while the snapshot is being read: the reader hears of it.
    async readSnapshot() {
      await writer.addTag(source.sourceId, 'late');
      await new Promise((resolve) => setTimeout(resolve, 50));
      return store.readSnapshot();
    },
  };

  const diagnostics = hearDiagnostics();
  const reader = await DataSourceRegistry.open({ store: slowToRestore, encryptionKey });
  const fromStart = diagnostics.catchUps.filter(({ from, events }) => from === 0 && events > 0);
  const tags = reader.get(source.sourceId)?.tags;
  await reader.close();
  await writer.close();

  expect(fromStart).toEqual([]);
  expect(tags).toEqual(['prod', 'eu', 'late']);
});

it('checks the events after a snapshot that recorded no chain hash from the log at its position', async () => {
  const filename = await snapshotAfterTwo();
  const store = createSqliteEventStore({ filename });
  const stored = await store.readSnapshot();
  if (stored === null) return expect.unreachable('no snapshot');
  await store.storeSnapshot({ ...stored, chainHash: null });
  await store.close();
  await expectBrokenAfterSnapshot(filename);
});
