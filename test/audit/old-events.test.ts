import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { defineUpcasters } from '../../src/domain/upcasters.js';
import {
  CURRENT_SCHEMA_VERSION,
  createMemoryEventStore,
  DataSourceRegistry,
  ErrorCode,
  type EventStore,
} from '../../src/index.js';
import { decodeEvent } from '../../src/registry/read-events.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { adminQuery, describeWithPostgres, eventually, testSchemas } from '../support/postgres.js';
import { failsWith } from '../support/registry-fixtures.js';
import { useTempDir } from '../support/temp-dir.js';

const encryptionKey = randomBytes(32);
const tempDir = useTempDir('old-events-');

/** One row of the events table, as an older release would have written it. */
interface OldRow {
  eventId: string;
  type: string;
  schemaVersion: number;
  streamVersion: number;
  data: unknown;
}

const registration: OldRow = {
  eventId: '01J0000000000000000000000A',
  type: 'DataSourceRegistered',
  schemaVersion: 1,
  streamVersion: 1,
  data: {
    name: 'orders',
    sourceType: 'api',
    config: {
      connectionString: null,
      host: 'api.example.com',
      port: 443,
      username: null,
      password: null,
      database: null,
      authType: null,
      apiKey: null,
      oauthConfig: null,
      sslEnabled: true,
      sslVerify: true,
      sslCertPath: null,
      poolSize: 5,
      poolTimeout: 30,
      maxRetries: 3,
      options: {},
    },
    description: null,
    tags: ['prod'],
    metadata: {},
    accessRoles: [],
    ownerId: null,
  },
};
const errorRecorded = (schemaVersion: number, data: unknown): OldRow => ({
  eventId: '01J0000000000000000000000B',
  type: 'ErrorRecorded',
  schemaVersion,
  streamVersion: 2,
  data,
});

/** How each store gets rows written around it: raw SQL for the durable ones. */
interface Backend {
  /** A store on a new, empty log holding `rows` of stream `s1`, tenant `t1`. */
  withRows(rows: readonly OldRow[]): Promise<() => EventStore>;
}

const occurredAt = '2024-03-01T09:00:00.000Z';

const memoryBackend: Backend = {
  async withRows(rows) {
    const store = createMemoryEventStore();
    await store.append({
      events: rows.map((row) => ({
        ...row,
        sourceId: 's1',
        tenantId: 't1',
        occurredAt,
        metadata: {},
      })),
      expectedVersions: { s1: 0 },
    });
    return () => store;
  },
};

const sqliteBackend: Backend = {
  async withRows(rows) {
    const filename = join(tempDir(), 'log.sqlite');
    const creating = createSqliteEventStore({ filename });
    await creating.head();
    await creating.close();
    const db = new Database(filename);
    const insert = db.prepare(
      `INSERT INTO events (event_id, type, schema_version, source_id, tenant_id, stream_version, occurred_at, data, metadata)
       VALUES (?, ?, ?, 's1', 't1', ?, ?, ?, '{}')`,
    );
    for (const row of rows) {
      insert.run(
        row.eventId,
        row.type,
        row.schemaVersion,
        row.streamVersion,
        occurredAt,
        JSON.stringify(row.data),
      );
    }
    db.prepare(`INSERT INTO streams (stream_id, version) VALUES ('s1', ?)`).run(rows.length);
    db.close();
    return () => createSqliteEventStore({ filename });
  },
};

function postgresBackend(url: string, schemas: ReturnType<typeof testSchemas>): Backend {
  return {
    async withRows(rows) {
      const schema = schemas.next('dsreg_old_events');
      const open = () => createPostgresEventStore({ connectionString: url, schema });
      const creating = open();
      await creating.head();
      await creating.close();
      const s = quoteIdentifier(schema);
      for (const row of rows) {
        await adminQuery(
          url,
          `INSERT INTO ${s}.events (event_id, type, schema_version, source_id, tenant_id, stream_version, occurred_at, data, metadata)
           VALUES ($1, $2, $3, 's1', 't1', $4, $5, $6, '{}')`,
          [
            row.eventId,
            row.type,
            row.schemaVersion,
            row.streamVersion,
            occurredAt,
            JSON.stringify(row.data),
          ],
        );
      }
      await adminQuery(url, `INSERT INTO ${s}.streams (stream_id, version) VALUES ('s1', $1)`, [
        rows.length,
      ]);
      // A reader sees rows only once every transaction older than theirs has
      // ended, in any schema of the server: another test may hold one open.
      const reader = open();
      await eventually(async () => (await reader.head()) >= rows.length, 'the rows to be readable');
      await reader.close();
      return open;
    },
  };
}

/**
 * The catalog as it would be had ErrorRecorded once said `{ message }` at
 * version 1: what a real shape change looks like to a store, which keeps
 * every row as it was written.
 */
const errorRenamed = defineUpcasters(2, [
  {
    type: 'ErrorRecorded',
    fromVersion: 1,
    upcast: (data) => ({ error: (data as { message: string }).message }),
  },
]);

function describeOldEvents(kind: string, backend: () => Backend) {
  describe(`events written by an older release (${kind})`, () => {
    it('reads a version 1 log through a registry as the current version', async () => {
      const open = await backend().withRows([registration, errorRecorded(1, { error: 'timeout' })]);
      const registry = await DataSourceRegistry.open({ store: open(), encryptionKey });

      const source = registry.get('s1');
      const history = await registry.history('s1');
      await registry.close();

      expect(source).toMatchObject({
        name: 'orders',
        status: 'error',
        lastError: 'timeout',
        version: 2,
      });
      expect(structuredClone(source?.config)).toEqual(
        (registration.data as { config: unknown }).config,
      );
      expect(history.map((event) => event.schemaVersion)).toEqual([
        CURRENT_SCHEMA_VERSION,
        CURRENT_SCHEMA_VERSION,
      ]);
    });

    it('raises an old shape kept in the store through the upcasters it is read with', async () => {
      const open = await backend().withRows([
        registration,
        errorRecorded(1, { message: 'timeout' }),
      ]);
      const store = open();

      const events = (await store.readAll()).map((event) => decodeEvent(event, errorRenamed));
      await store.close();

      expect(events[1]).toMatchObject({ schemaVersion: 2, data: { error: 'timeout' } });
    });

    it('refuses to open a log holding an event newer than the code, with CORRUPT_LOG', async () => {
      const newer = CURRENT_SCHEMA_VERSION + 1;
      const open = await backend().withRows([
        registration,
        errorRecorded(newer, { error: 'timeout' }),
      ]);
      const store = open();

      const error = await failsWith(
        () => DataSourceRegistry.open({ store, encryptionKey }),
        ErrorCode.CORRUPT_LOG,
      );

      expect(error.message).toMatch(new RegExp(`schema version ${newer} is newer`));
      expect(error.details).toMatchObject({ position: 2, schemaVersion: newer });
    });

    it('reads a version 1 registration as one without fingerprints, and fingerprints the next config', async () => {
      const open = await backend().withRows([registration]);
      const registry = await DataSourceRegistry.open({ store: open(), encryptionKey });

      const before = registry.get('s1');
      const [event] = await registry.history('s1');
      const after = await registry.updateConfig('s1', { host: 'api.example.com', apiKey: 'ak-1' });
      await registry.close();

      expect(event?.data).not.toHaveProperty('secretFingerprints');
      expect(before?.secretFingerprints).toEqual({});
      expect(after?.secretFingerprints).toEqual({
        apiKey: expect.stringMatching(/^[0-9a-f]{16}$/),
      });
    });
  });
}

describeOldEvents('memory', () => memoryBackend);
describeOldEvents('SQLite', () => sqliteBackend);
describeWithPostgres('on PostgreSQL', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());
  describeOldEvents('PostgreSQL', () => postgresBackend(url, schemas));
});
