/**
 * A command whose append fails in the driver (a locked SQLite file, a
 * PostgreSQL role without INSERT) is refused with STORE_ERROR, carries the
 * driver's error, and leaves the log, the projections and the listeners as
 * they were. Once the store writes again, so does the registry. A
 * PostgreSQL backend terminated in the middle of an append, or under the
 * connection that listens for other instances' writes, is survived the same way.
 */
import pg from 'pg';
import { afterAll, afterEach, expect, it } from 'vitest';
import { DataSourceError, DataSourceRegistry, ErrorCode } from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import {
  adminQuery,
  describeWithPostgres,
  eventually,
  listeningBackend,
  uniqueName,
  withApplicationName,
} from '../support/postgres.js';
import {
  databaseInput,
  failsWith,
  recordEvents,
  sequentialIds,
  snapshotOf,
  testClock,
} from '../support/registry-fixtures.js';
import { describeEachFailingStore } from '../support/store-failures.js';
import { TEST_ENCRYPTION_KEY } from '../support/store-matrix.js';

/** The SQLSTATE of a backend terminated by an administrator. */
const ADMIN_SHUTDOWN = '57P01';

type Command = (registry: DataSourceRegistry, sourceId: string) => Promise<unknown>;

const commands: [string, Command][] = [
  ['register', (r) => r.register(databaseInput({ name: 'Billing DB' }))],
  ['update', (r, id) => r.update(id, { name: 'Orders (primary)', description: 'main' })],
  ['updateConfig', (r, id) => r.updateConfig(id, { host: 'moved.internal', password: 'new-pw' })],
  ['activate', (r, id) => r.activate(id)],
  ['recordError', (r, id) => r.recordError(id, 'timeout')],
  ['addTag', (r, id) => r.addTag(id, 'eu')],
  ['delete', (r, id) => r.delete(id)],
  ['clearTenant', (r) => r.clearTenant('acme')],
];

describeEachFailingStore('a command whose append the store refuses', (harness) => {
  it.each(commands)('%s fails with STORE_ERROR carrying the driver error', async (_, command) => {
    const { registry, blockWrites } = await harness.createBlockableRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await blockWrites();

    const error = await failsWith(() => command(registry, sourceId), ErrorCode.STORE_ERROR);

    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each(commands)(
    '%s leaves the log, the queries and the listeners as they were',
    async (_, command) => {
      const { registry, store, blockWrites } = await harness.createBlockableRegistry();
      const { sourceId } = await registry.register(databaseInput({ tags: ['prod'] }));
      const before = { head: await store.head(), snapshot: snapshotOf(registry) };
      const heard = recordEvents(registry);
      await blockWrites();

      await failsWith(() => command(registry, sourceId), ErrorCode.STORE_ERROR);

      expect(await store.head()).toBe(before.head);
      expect(registry.position).toBe(before.head);
      expect(snapshotOf(registry)).toBe(before.snapshot);
      expect(heard).toEqual([]);
    },
  );

  it.each(commands)('%s succeeds once the store writes again', async (_, command) => {
    const { registry, store, blockWrites, unblockWrites } = await harness.createBlockableRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await blockWrites();
    await failsWith(() => command(registry, sourceId), ErrorCode.STORE_ERROR);
    await unblockWrites();

    await command(registry, sourceId);
    // On PostgreSQL the failed append skipped a position, and the command
    // resolved on its own events, ahead of the log read so far.
    await registry.refresh();

    expect(registry.position).toBe(await store.head());
    expect(registry.position).toBeGreaterThan(1);
  });
});

describeWithPostgres('a registry whose PostgreSQL backend is terminated', (url) => {
  const opened: DataSourceRegistry[] = [];
  const schemas: string[] = [];
  afterEach(async () => {
    for (const registry of opened.splice(0)) await registry.close();
  });
  afterAll(async () => {
    const names = schemas.splice(0).map(quoteIdentifier).join(', ');
    if (names) await adminQuery(url, `DROP SCHEMA IF EXISTS ${names} CASCADE`);
  });

  async function open(schema: string, application = uniqueName('dsreg_killed')) {
    const store = createPostgresEventStore({
      connectionString: withApplicationName(url, application),
      schema,
      pollIntervalMs: 100,
    });
    const registry = await DataSourceRegistry.open({
      store,
      clock: testClock(),
      newId: sequentialIds(application),
      encryptionKey: TEST_ENCRYPTION_KEY,
    });
    opened.push(registry);
    return { registry, store, application };
  }

  function newSchema() {
    const schema = uniqueName('dsreg_killed');
    schemas.push(schema);
    return schema;
  }

  /**
   * Holds the row lock of the source's stream so the command's append waits
   * for it, then terminates the waiting backend: the moment is known, not guessed.
   */
  async function killedMidAppend(
    schema: string,
    application: string,
    sourceId: string,
    command: () => Promise<unknown>,
  ): Promise<unknown> {
    const blocker = new pg.Client(url);
    blocker.on('error', () => {});
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(
        `SELECT 1 FROM ${quoteIdentifier(schema)}.streams WHERE stream_id = $1 FOR UPDATE`,
        [sourceId],
      );
      const outcome = command().then(
        () => undefined,
        (error: unknown) => error,
      );
      const pid = await eventually(async () => {
        const rows = await adminQuery<{ pid: number }>(
          url,
          `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [application],
        );
        return rows[0]?.pid;
      }, 'the append to wait for the stream lock');
      await adminQuery(url, 'SELECT pg_terminate_backend($1)', [pid]);
      return await outcome;
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
  }

  it('fails the command mid-append with STORE_ERROR, changes nothing, and works afterwards', async () => {
    const schema = newSchema();
    const { registry, store, application } = await open(schema);
    const { sourceId } = await registry.register(databaseInput());
    const before = { head: await store.head(), snapshot: snapshotOf(registry) };
    const heard = recordEvents(registry);

    const error = await killedMidAppend(schema, application, sourceId, () =>
      registry.activate(sourceId),
    );

    expect(error).toBeInstanceOf(DataSourceError);
    expect((error as DataSourceError).code).toBe(ErrorCode.STORE_ERROR);
    expect((error as DataSourceError).cause).toMatchObject({ code: ADMIN_SHUTDOWN });
    expect(await store.head()).toBe(before.head);
    expect(snapshotOf(registry)).toBe(before.snapshot);
    expect(heard).toEqual([]);
    await expect(registry.activate(sourceId)).resolves.toMatchObject({ status: 'active' });
  });

  it("still follows another registry's writes after its LISTEN backend is terminated", async () => {
    const schema = newSchema();
    const { registry: reader } = await open(schema);
    const { registry: writer } = await open(schema);
    const pid = await listeningBackend(url, schema);
    await adminQuery(url, 'SELECT pg_terminate_backend($1)', [pid]);

    const written = await writer.register(databaseInput());

    await eventually(
      async () => reader.get(written.sourceId) !== null,
      'the reader to see the source the writer registered',
    );
    expect(reader.get(written.sourceId)).toEqual(written);
  });
});
