import pg from 'pg';
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import type { EventStore } from '../../src/store/event-store.js';
import {
  createPostgresEventStore,
  type PostgresEventStore,
} from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import {
  adminQuery,
  describeWithPostgres,
  eventually,
  listeningBackend,
  testSchemas,
  uniqueName,
  withApplicationName,
} from '../support/postgres.js';
import { pendingEvent, streamAppend } from './conformance.js';

// The server's SQLSTATE for a connection ended by pg_terminate_backend.
const ADMIN_SHUTDOWN = '57P01';

async function failure(promise: Promise<unknown>): Promise<DataSourceError> {
  const error = await promise.then(
    () => expect.unreachable('expected a failure'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DataSourceError);
  return error as DataSourceError;
}

function heads(store: EventStore): number[] {
  const heard: number[] = [];
  store.subscribe((head) => heard.push(head));
  return heard;
}

describeWithPostgres('PostgreSQL event store when connections are lost', (url) => {
  const schemas = testSchemas(url);
  const stores: PostgresEventStore[] = [];
  let schema: string;
  let application: string;
  let reported: DataSourceError[];

  function open(pollIntervalMs = 60_000): PostgresEventStore {
    const store = createPostgresEventStore({
      connectionString: withApplicationName(url, application),
      schema,
      pollIntervalMs,
      onError: (error) => reported.push(error),
    });
    stores.push(store);
    return store;
  }

  /** Ends every connection of this test's stores the server has, and waits until they are gone. */
  async function terminateAll(): Promise<void> {
    const sql = `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`;
    // Terminated again each time round: the store seals the chain a moment
    // after an append, and may have opened a new connection for it meanwhile.
    await eventually(async () => {
      await adminQuery(url, sql, [application]);
      const rows = await adminQuery(
        url,
        'SELECT 1 FROM pg_stat_activity WHERE application_name = $1',
        [application],
      );
      return rows.length === 0;
    }, 'the terminated connections to go');
  }

  /**
   * Holds a row lock on stream s1 so an append to it waits, terminates the
   * waiting connection, and returns how the append failed.
   */
  async function appendKilledMidway(store: EventStore): Promise<DataSourceError> {
    await store.append(streamAppend('s1', 0));
    const blocker = new pg.Client(url);
    blocker.on('error', () => {});
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(
        `SELECT 1 FROM ${quoteIdentifier(schema)}.streams WHERE stream_id = 's1' FOR UPDATE`,
      );
      const pending = failure(store.append(streamAppend('s1', 1, 2)));
      const pid = await eventually(async () => {
        const rows = await adminQuery<{ pid: number }>(
          url,
          `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [application],
        );
        return rows[0]?.pid;
      }, 'the append to wait for the row lock');
      await adminQuery(url, 'SELECT pg_terminate_backend($1)', [pid]);
      return await pending;
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
  }

  beforeEach(() => {
    schema = schemas.next();
    application = uniqueName('dsreg_recovery');
    reported = [];
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  afterAll(async () => {
    await schemas.dropAll();
  });

  it('fails an append whose connection is terminated with STORE_ERROR carrying the driver error', async () => {
    const error = await appendKilledMidway(open());
    expect(error.code).toBe(ErrorCode.STORE_ERROR);
    expect(error.cause).toMatchObject({ code: ADMIN_SHUTDOWN });
  });

  it('writes nothing of the killed append and appends again afterwards', async () => {
    const store = open();
    await appendKilledMidway(store);
    expect(await store.readStream('s1')).toHaveLength(1);
    const [next] = await store.append(streamAppend('s1', 1));
    expect(next?.streamVersion).toBe(2);
  });

  it('recovers when its pooled connections are terminated between appends', async () => {
    const store = open();
    await Promise.all([store.append(streamAppend('s1', 0)), store.readAll(), store.head()]);
    await terminateAll();
    const failures: DataSourceError[] = [];
    let appended = false;
    for (let attempt = 0; attempt < 3 && !appended; attempt++) {
      try {
        await store.append(streamAppend('s2', 0));
        appended = true;
      } catch (error) {
        failures.push(error as DataSourceError);
      }
    }
    expect(appended).toBe(true);
    for (const error of failures) {
      expect(error.code).toBe(ErrorCode.STORE_ERROR);
      expect(error.cause).toBeDefined();
    }
    expect(await store.readStream('s2')).toHaveLength(1);
  });

  it('reports idle pooled connections that died through onError instead of crashing', async () => {
    const store = open();
    await Promise.all([store.readAll(), store.head(), store.readStream('s1')]);
    await terminateAll();
    await eventually(async () => reported.length > 0, 'the pool to notice');
    expect(reported[0]?.code).toBe(ErrorCode.STORE_ERROR);
    expect(reported[0]?.cause).toMatchObject({ code: ADMIN_SHUTDOWN });
  });

  it('resumes notifications after its LISTEN connection is terminated', async () => {
    const reader = open();
    const heard = heads(reader);
    const first = await listeningBackend(url, schema);
    await adminQuery(url, 'SELECT pg_terminate_backend($1)', [first]);
    await eventually(
      async () => (await listeningBackend(url, schema)) !== first,
      'a new LISTEN connection',
    );
    await open().append(streamAppend('s1', 0, 2));
    await eventually(async () => heard.includes(2), 'the notification');
  });

  it('tells subscribers of appends made while its LISTEN connection was down', async () => {
    const reader = open();
    const heard = heads(reader);
    const writer = open();
    await writer.head();
    await adminQuery(url, 'SELECT pg_terminate_backend($1)', [await listeningBackend(url, schema)]);
    await writer.append(streamAppend('s1', 0, 3));
    await eventually(async () => heard.includes(3), 'the missed append');
  });

  it('reports the dropped LISTEN connection through onError', async () => {
    heads(open());
    await adminQuery(url, 'SELECT pg_terminate_backend($1)', [await listeningBackend(url, schema)]);
    await eventually(
      async () =>
        reported.some((error) => (error.cause as { code?: string })?.code === ADMIN_SHUTDOWN),
      'the report',
    );
  });

  it('tells subscribers of a head that moved without a notification, by polling', async () => {
    const reader = open(100);
    const heard = heads(reader);
    await reader.head();
    await listeningBackend(url, schema);
    // Written past the append function, so no NOTIFY is sent: only the poll can see it.
    const event = pendingEvent({ sourceId: 's1', streamVersion: 1 });
    await adminQuery(
      url,
      `INSERT INTO ${quoteIdentifier(schema)}.events (event_id, type, schema_version, source_id,
         tenant_id, stream_version, occurred_at, data, metadata)
       VALUES ($1, $2, 1, $3, $4, 1, $5, '{}', '{}')`,
      [event.eventId, event.type, event.sourceId, event.tenantId, event.occurredAt],
    );
    await eventually(async () => heard.includes(1), 'the poll');
  });
});
