/**
 * Snapshots on the durable stores: `registry.snapshot()` and `snapshotEvery`
 * save the state, `open()` restores it and replays only the events after it,
 * and writing one never holds up or fails a command.
 */

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  DataSourceRegistry,
  DataSourceType,
  ErrorCode,
  type EventStore,
  type SnapshotError,
} from '../../src/index.js';
import type { PostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { createSqliteEventStore, type SqliteEventStore } from '../../src/store/sqlite/index.js';
import { hearDiagnostics } from '../support/diagnostics.js';
import { adminQuery, eventually, postgresUrl } from '../support/postgres.js';
import { databaseInput, failsWith } from '../support/registry-fixtures.js';
import {
  answersOf,
  hearSnapshots,
  openFullReplay,
  withoutSnapshots,
} from '../support/snapshots.js';
import { describeEachDurableStore, TEST_ENCRYPTION_KEY } from '../support/store-matrix.js';
import { useTempDir } from '../support/temp-dir.js';

const fileInput = { tenantId: 'acme', name: 'Exports', sourceType: DataSourceType.FILE };

describeEachDurableStore('snapshots', (harness) => {
  it('restores the snapshot on open and reads only the events after it', async () => {
    const { registry, reopen } = await harness.createRegistry();
    const orders = await registry.register(databaseInput());
    await registry.activate(orders.sourceId);
    expect(await registry.snapshot()).toMatchObject({ position: 2 });
    await registry.addTag(orders.sourceId, 'prod');

    const heard = hearSnapshots();
    const diagnostics = hearDiagnostics();
    const reopened = await reopen();

    expect(heard).toMatchObject([{ action: 'loaded', position: 2 }]);
    // The writer, still open, may read from its own head meanwhile and find nothing.
    const reads = diagnostics.catchUps.filter(({ events }) => events > 0);
    expect(reads.map(({ from, to, events }) => ({ from, to, events }))).toEqual([
      { from: 2, to: 3, events: 1 },
    ]);
    expect(reopened.get(orders.sourceId)).toMatchObject({ status: 'active', tags: ['prod'] });
    expect(reopened.get(orders.sourceId)?.config.password).toBe(databaseInput().config?.password);
  });

  it('restores the same state a full replay gives, secrets included', async () => {
    const { registry, reopen, openStore } = await harness.createRegistry();
    const orders = await registry.register(databaseInput());
    await registry.recordError(orders.sourceId, 'timeout');
    const files = await registry.register(fileInput);
    await registry.snapshot();
    await registry.update(files.sourceId, { name: 'Exports 2' });

    const scope = {
      ids: [orders.sourceId, files.sourceId],
      tenants: ['acme'],
      names: ['exports 2'],
    };
    const replayed = await openFullReplay(openStore(), { encryptionKey: TEST_ENCRYPTION_KEY });
    expect(answersOf(await reopen(), scope)).toBe(answersOf(replayed, scope));
  });

  it('deletes a cleared tenant’s sources in the order a full replay would, after a restore', async () => {
    const { registry, reopen, openStore } = await harness.createRegistry();
    // Registered in another order than the list's, which a restore walks in.
    const ids: string[] = [];
    for (const name of ['Zeta', 'Alpha', 'Mid']) {
      ids.push((await registry.register({ ...fileInput, name })).sourceId);
    }
    await registry.snapshot();
    const reopened = await reopen();
    const { position } = reopened;
    expect(await reopened.clearTenant('acme')).toBe(3);
    const events = await openStore().readAll({ after: position, limit: 10 });
    expect(events.map((event) => [event.type, event.sourceId])).toEqual(
      ids.map((id) => ['DataSourceDeleted', id]),
    );
  });

  it('keeps deleted streams, so a deleted id is never used again', async () => {
    const { registry, reopen } = await harness.createRegistry();
    const gone = await registry.register(databaseInput());
    await registry.delete(gone.sourceId);
    await registry.snapshot();

    const reopened = await reopen();
    expect(reopened.get(gone.sourceId)).toBeNull();
    await failsWith(
      () => reopened.register({ ...fileInput, sourceId: gone.sourceId }),
      ErrorCode.DUPLICATE_ID,
    );
  });

  it('takes a snapshot in the background once snapshotEvery events were applied', async () => {
    const { registry, store } = await harness.createRegistry({ snapshotEvery: 3 });
    const heard = hearSnapshots();
    const orders = await registry.register(databaseInput());
    await registry.activate(orders.sourceId);
    expect(await store.readSnapshot?.()).toBeNull();
    await registry.deactivate(orders.sourceId);

    await eventually(async () => (await store.readSnapshot?.())?.position === 3, 'a snapshot at 3');
    expect(heard.filter((message) => message.action === 'written')).toHaveLength(1);
  });

  it('counts the events replayed on open toward snapshotEvery', async () => {
    const { registry, reopen, store } = await harness.createRegistry();
    const orders = await registry.register(databaseInput());
    await registry.activate(orders.sourceId);
    await registry.deactivate(orders.sourceId);

    await reopen({ snapshotEvery: 2 });
    await eventually(async () => (await store.readSnapshot?.())?.position === 3, 'a snapshot at 3');
  });

  it('reports a snapshot it could not write to snapshotError, and the command still succeeds', async () => {
    const { registry, store } = await harness.createRegistry({ snapshotEvery: 1 });
    const failures: SnapshotError[] = [];
    registry.on('snapshotError', (failure) => {
      failures.push(failure);
    });
    // The store's snapshot table goes away under the registry: its writes fail, its events do not.
    await dropSnapshotTable(harness.kind, store);

    const orders = await registry.register(databaseInput());
    expect(registry.get(orders.sourceId)).not.toBeNull();
    await eventually(async () => failures.length > 0 || undefined, 'a snapshotError');
    expect(failures[0]).toMatchObject({ position: 1, error: { code: ErrorCode.STORE_ERROR } });
    expect(await registry.activate(orders.sourceId)).toMatchObject({ status: 'active' });
  });

  it('starts no snapshot that was due but not begun when close() is called', async () => {
    const { registry } = await harness.createRegistry({ snapshotEvery: 1 });
    const failures: SnapshotError[] = [];
    registry.on('snapshotError', (failure) => {
      failures.push(failure);
    });
    const heard = hearSnapshots();

    // Due after this commit, in the background; close() comes first.
    await registry.register(databaseInput());
    await registry.close();
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(heard.filter((message) => message.action === 'written')).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('makes a failed snapshot a process warning when nobody listens to snapshotError', async () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    onTestFinished(() => warnings.mockRestore());
    const { registry, store } = await harness.createRegistry({ snapshotEvery: 1 });
    await dropSnapshotTable(harness.kind, store);

    await registry.register(databaseInput());
    await eventually(async () => warnings.mock.calls.length > 0 || undefined, 'a warning');
    const [message, options] = warnings.mock.calls[0] ?? [];
    expect(String(message)).toContain('The snapshot at position 1 was not written');
    expect(options).toMatchObject({ code: 'DATASOURCE_REGISTRY_SNAPSHOT' });
  });

  it('refuses snapshot() on a registry opened read-only with FORBIDDEN', async () => {
    const { registry, reopen } = await harness.createRegistry();
    await registry.register(databaseInput());
    const reader = await reopen({ readOnly: true, encryptionKey: undefined });
    await failsWith(() => reader.snapshot(), ErrorCode.FORBIDDEN);
  });

  it('refuses snapshotEvery with readOnly, or below 1, with INVALID_INPUT', async () => {
    const { reopen } = await harness.createRegistry();
    await failsWith(
      () => reopen({ readOnly: true, encryptionKey: undefined, snapshotEvery: 10 }),
      ErrorCode.INVALID_INPUT,
    );
    await failsWith(() => reopen({ snapshotEvery: 0 }), ErrorCode.INVALID_INPUT);
    await failsWith(() => reopen({ snapshotEvery: 1.5 }), ErrorCode.INVALID_INPUT);
  });

  it('waits on close() for a snapshot being written', async () => {
    const { registry, openStore } = await harness.createRegistry();
    await registry.register(databaseInput());
    const taking = registry.snapshot();
    await registry.close();
    expect(await taking).toMatchObject({ position: 1 });
    // The registry closed its store: the snapshot is read through another one.
    expect(await openStore().readSnapshot?.()).toMatchObject({ position: 1 });
  });
});

/** Makes every later snapshot write of this log fail inside the store, as a broken disk or lost grant would. */
async function dropSnapshotTable(kind: string, store: EventStore) {
  if (kind === 'sqlite') {
    const db = new Database((store as SqliteEventStore).filename);
    db.exec('DROP TABLE snapshots');
    db.close();
    return;
  }
  const { schema } = store as PostgresEventStore;
  await adminQuery(postgresUrl ?? '', `DROP TABLE ${quoteIdentifier(schema)}.snapshots`);
}

describe('a store that keeps no snapshots', () => {
  const tempDir = useTempDir('no-snapshots-');
  const storeWithout = () =>
    withoutSnapshots(createSqliteEventStore({ filename: join(tempDir(), 'log.db') }));

  it('refuses snapshotEvery with INVALID_INPUT', async () => {
    const error = await failsWith(
      () => DataSourceRegistry.open({ store: storeWithout(), snapshotEvery: 10 }),
      ErrorCode.INVALID_INPUT,
    );
    expect(error.message).toContain('needs a store that keeps snapshots');
  });

  it('opens without a word on the snapshot channel', async () => {
    const heard = hearSnapshots();

    const registry = await DataSourceRegistry.open({ store: storeWithout() });
    onTestFinished(() => registry.close());

    expect(heard).toEqual([]);
  });

  it('refuses snapshot() with FORBIDDEN', async () => {
    const registry = await DataSourceRegistry.open({ store: storeWithout() });
    onTestFinished(() => registry.close());
    await registry.register({ ...fileInput });
    const error = await failsWith(() => registry.snapshot(), ErrorCode.FORBIDDEN);
    expect(error.message).toBe('A sqlite store keeps no snapshots');
  });
});
