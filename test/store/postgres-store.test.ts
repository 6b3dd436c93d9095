import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import type { EventStore } from '../../src/store/event-store.js';
import {
  createPostgresEventStore,
  type PostgresEventStore,
  type PostgresEventStoreOptions,
} from '../../src/store/postgres/index.js';
import { SCHEMA_VERSION } from '../../src/store/postgres/migrations.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { detailsOf } from '../support/error-details.js';
import {
  adminQuery,
  describeWithPostgres,
  listeningBackend,
  testSchemas,
} from '../support/postgres.js';
import {
  describeEventStoreConformance,
  type EventStoreFactory,
  pendingEvent,
  streamAppend,
} from './conformance.js';

/** Each test's store in a schema of its own, reopened by schema; the schemas go after the test. */
function postgresFactory(url: string): EventStoreFactory {
  const schemas = testSchemas(url);
  const schemaOf = new WeakMap<EventStore, string>();
  const openOn = (schema: string) => {
    const store = createPostgresEventStore({ connectionString: url, schema });
    schemaOf.set(store, schema);
    return store;
  };
  return {
    async create() {
      return openOn(schemas.next());
    },
    async reopen(previous) {
      const schema = schemaOf.get(previous);
      if (schema === undefined) throw new Error('The store to reopen was not opened here');
      return openOn(schema);
    },
    async cleanup() {
      await schemas.dropAll();
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<DataSourceError> {
  const error = await promise.then(
    () => expect.unreachable('expected a failure'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DataSourceError);
  return error as DataSourceError;
}

const firstHead = (store: EventStore) =>
  new Promise<number>((resolve) => {
    const stop = store.subscribe((head) => {
      stop();
      resolve(head);
    });
  });

describeWithPostgres('PostgreSQL', (url) => {
  describeEventStoreConformance('postgres', postgresFactory(url));

  describe('PostgreSQL event store', () => {
    const schemas = testSchemas(url);
    const stores: PostgresEventStore[] = [];
    let schema: string;

    function open(options: Partial<PostgresEventStoreOptions> = {}): PostgresEventStore {
      const store = createPostgresEventStore({
        connectionString: url,
        schema,
        ...options,
      } as PostgresEventStoreOptions);
      stores.push(store);
      return store;
    }

    beforeEach(() => {
      schema = schemas.next();
    });

    afterEach(async () => {
      for (const store of stores.splice(0)) await store.close();
    });

    afterAll(async () => {
      await schemas.dropAll();
    });

    it('describes itself as a durable postgres store', () => {
      const store = open();
      expect(store.kind).toBe('postgres');
      expect(store.durable).toBe(true);
      expect(store.schema).toBe(schema);
    });

    it('records each schema version once when several instances start together', async () => {
      await Promise.all(Array.from({ length: 5 }, () => open().head()));
      const rows = await adminQuery<{ version: number }>(
        url,
        `SELECT version FROM ${quoteIdentifier(schema)}.event_store_schema_version ORDER BY version`,
      );
      expect(rows.map((row) => row.version)).toEqual(
        Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
      );
    });

    it('refuses a schema newer than it knows with STORE_ERROR', async () => {
      await open().head();
      await adminQuery(
        url,
        `INSERT INTO ${quoteIdentifier(schema)}.event_store_schema_version VALUES ($1)`,
        [SCHEMA_VERSION + 1],
      );
      const error = await failure(open().head());
      expect(error.code).toBe(ErrorCode.STORE_ERROR);
      expect(error.message).toContain(`version ${SCHEMA_VERSION + 1}`);
    });

    it('keeps its tables in a schema whose name needs quoting', async () => {
      schema = schemas.next('dsreg test "Odd".Name');
      const store = open();
      await store.append(streamAppend('s1', 0));
      expect(await open().readStream('s1')).toHaveLength(1);
    });

    it('refuses a schema name PostgreSQL would truncate with INVALID_INPUT', () => {
      expect(() => open({ schema: 'x'.repeat(64) })).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_INPUT }),
      );
    });

    it('refuses a poll interval that is not a positive number with INVALID_INPUT', () => {
      expect(() => open({ pollIntervalMs: 0 })).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_INPUT }),
      );
    });

    it('gives back event data byte for byte: key order, number spelling and NUL characters', async () => {
      const data = { zebra: 1, apple: { y: 2, x: 1 }, nul: 'a\u0000b', big: 1e21 };
      const event = pendingEvent({ sourceId: 's1', streamVersion: 1, data });
      await open().append({ events: [event], expectedVersions: { s1: 0 } });
      const [read] = await open().readStream('s1');
      expect(JSON.stringify(read?.data)).toBe(JSON.stringify(data));
    });

    it('gives back occurredAt exactly as written', async () => {
      const event = {
        ...pendingEvent({ sourceId: 's1', streamVersion: 1 }),
        occurredAt: '2024-02-29T23:59:59.123456789+01:00',
      };
      // One store object: another would read only what no older transaction
      // in the cluster still hides, and a busy database holds some open.
      const store = open();
      await store.append({ events: [event], expectedVersions: { s1: 0 } });
      const [read] = await store.readAll();
      expect(read?.occurredAt).toBe(event.occurredAt);
    });

    it('refuses an event id already in the log with STORE_ERROR carrying the driver error', async () => {
      const store = open();
      const [event] = await store.append(streamAppend('s1', 0));
      const duplicate = {
        ...pendingEvent({ sourceId: 's2', streamVersion: 1 }),
        eventId: event?.eventId ?? '',
      };
      const error = await failure(
        store.append({ events: [duplicate], expectedVersions: { s2: 0 } }),
      );
      expect(error.code).toBe(ErrorCode.STORE_ERROR);
      expect((error.cause as { code?: string }).code).toBe('23505');
      expect(await store.readStream('s2')).toEqual([]);
    });

    it('reports a unique violation on a stream version as a version conflict', async () => {
      const store = open();
      await store.head();
      // An event written past the streams table, as a writer that skipped it would leave it.
      const stray = pendingEvent({ sourceId: 's1', streamVersion: 1 });
      await adminQuery(
        url,
        `INSERT INTO ${quoteIdentifier(schema)}.events (event_id, type, schema_version, source_id,
           tenant_id, stream_version, occurred_at, data, metadata)
         VALUES ($1, 'T', 1, 's1', 'tenant-a', 1, $2, '{}', '{}')`,
        [stray.eventId, stray.occurredAt],
      );
      const error = await failure(store.append(streamAppend('s1', 0)));
      expect(error.code).toBe(ErrorCode.CONCURRENCY_CONFLICT);
      expect(error.details).toMatchObject({ reason: 'version', expected: 0, actual: 1 });
    });

    it('fails every call after close with STORE_ERROR', async () => {
      const store = open();
      await store.close();
      for (const call of [
        () => store.append(streamAppend('s1', 0)),
        () => store.readAll(),
        () => store.readStream('s1'),
        () => store.head(),
      ]) {
        expect((await failure(call())).code).toBe(ErrorCode.STORE_ERROR);
      }
      expect(() => store.subscribe(() => {})).toThrow(
        expect.objectContaining({ code: ErrorCode.STORE_ERROR }),
      );
    });

    it('treats a second close as a no-op', async () => {
      const store = open();
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
    });

    it('leaves a pool passed in open after close', async () => {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      try {
        const store = open({ pool, connectionString: undefined });
        await store.append(streamAppend('s1', 0));
        await store.close();
        const { rows } = await pool.query<{ n: number }>('SELECT 1 AS n');
        expect(rows).toEqual([{ n: 1 }]);
      } finally {
        await pool.end();
      }
    });

    it('works on a pool with a single connection while a subscriber listens', async () => {
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        const store = open({ pool, connectionString: undefined });
        const heard = firstHead(store);
        await store.append(streamAppend('s1', 0, 2));
        expect(await heard).toBe(2);
      } finally {
        await stores.pop()?.close();
        await pool.end();
      }
    });

    it('lets two instances on one schema see and refuse each other’s appends', async () => {
      const first = open();
      const second = open();
      await first.append(streamAppend('s1', 0, 2));
      expect(await second.readStream('s1')).toHaveLength(2);
      const error = await failure(second.append(streamAppend('s1', 0)));
      expect(detailsOf(error).reason).toBe('version');
    });

    it('notifies the subscribers of another instance through LISTEN', async () => {
      const reader = open({ pollIntervalMs: 60_000 });
      const heard = firstHead(reader);
      await listeningBackend(url, schema);
      await open().append(streamAppend('s1', 0, 3));
      expect(await heard).toBe(3);
    });

    it('does not notify instances on another schema', async () => {
      const other = open({ schema: schemas.next() });
      const heard: number[] = [];
      other.subscribe((head) => heard.push(head));
      const writer = open();
      const own = firstHead(writer);
      await writer.append(streamAppend('s1', 0));
      await own;
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toEqual([]);
    });

    it('stops notifying the listeners of a closed store', async () => {
      const closed = open();
      const heard: number[] = [];
      closed.subscribe((head) => heard.push(head));
      await closed.close();
      const writer = open();
      const own = firstHead(writer);
      await writer.append(streamAppend('s1', 0));
      await own;
      expect(heard).toEqual([]);
    });
  });
});
