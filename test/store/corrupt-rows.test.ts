import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DataSourceError, DataSourceRegistry, ErrorCode } from '../../src/index.js';
import type { EventStore } from '../../src/store/event-store.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { adminQuery, describeWithPostgres, testSchemas } from '../support/postgres.js';
import { rechainPostgres, rechainSqlite } from '../support/rechain.js';
import { useTempDir } from '../support/temp-dir.js';

const encryptionKey = new Uint8Array(randomBytes(32));
const PASSWORD = 'hunter2-in-the-clear';

/**
 * A durable log opened afresh each time, and its `events` table reached
 * around the store. A write hashes the chain again, as someone with write
 * access could, so these tests see the checks behind the chain's.
 */
interface Backend {
  open(): EventStore;
  readColumn(position: number, column: 'data' | 'metadata'): Promise<string>;
  writeColumn(position: number, column: 'data' | 'metadata', json: string): Promise<void>;
}

/** Writes two sources; the second, at position 2, carries a password and an oauthConfig. */
async function seed(backend: Backend): Promise<void> {
  const registry = await DataSourceRegistry.open({ store: backend.open(), encryptionKey });
  await registry.register({ tenantId: 'acme', name: 'first', sourceType: 'api' });
  await registry.register({
    tenantId: 'acme',
    name: 'second',
    sourceType: 'database',
    config: { password: 's3cret', oauthConfig: { clientId: 'app' } },
  });
  await registry.close();
}

/** The error opening a registry on the backend fails with. */
async function openingFails(backend: Backend): Promise<DataSourceError> {
  const store = backend.open();
  try {
    const registry = await DataSourceRegistry.open({ store, encryptionKey });
    await registry.close();
  } catch (error) {
    await store.close();
    expect(error).toBeInstanceOf(DataSourceError);
    return error as DataSourceError;
  }
  return expect.unreachable('expected opening the registry to fail');
}

/** The second source's stored data with its config changed. */
async function withConfig(
  backend: Backend,
  change: (config: Record<string, unknown>) => Record<string, unknown>,
): Promise<string> {
  const data = JSON.parse(await backend.readColumn(2, 'data')) as Record<string, unknown>;
  return JSON.stringify({ ...data, config: change(data.config as Record<string, unknown>) });
}

/** The cases every durable store must refuse; `canHoldInvalidJson` when its columns are text. */
function describeCorruptRows(backend: () => Promise<Backend>, canHoldInvalidJson: boolean) {
  async function damaged(column: 'data' | 'metadata', json: string): Promise<DataSourceError> {
    const log = await backend();
    await seed(log);
    await log.writeColumn(2, column, json);
    return openingFails(log);
  }

  it.runIf(canHoldInvalidJson)(
    'refuses data that is not valid JSON as CORRUPT_LOG at its position',
    async () => {
      const error = await damaged('data', '{"name": "second",');
      expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
      expect(error.details).toMatchObject({ position: 2, field: 'data' });
      expect(error.message).toContain('position 2');
    },
  );

  it.runIf(canHoldInvalidJson)(
    'refuses metadata that is not valid JSON as CORRUPT_LOG at its position',
    async () => {
      const error = await damaged('metadata', '{"actor": ');
      expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
      expect(error.details).toMatchObject({ position: 2, field: 'metadata' });
    },
  );

  it.each([
    ['data', 'null'],
    ['data', '"second"'],
    ['data', '[1, 2]'],
    ['metadata', 'null'],
    ['metadata', '42'],
  ] as const)(
    'refuses %s that is JSON %s, not an object, as CORRUPT_LOG at its position',
    async (column, json) => {
      const error = await damaged(column, json);
      expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
      expect(error.details).toMatchObject({ position: 2, field: column });
    },
  );

  it('refuses a password stored in plaintext as CORRUPT_LOG, without showing it', async () => {
    const log = await backend();
    await seed(log);
    await log.writeColumn(2, 'data', await withConfig(log, (c) => ({ ...c, password: PASSWORD })));
    const error = await openingFails(log);
    expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
    expect(error.details).toMatchObject({ position: 2, path: 'config.password' });
    expect(JSON.stringify(error.toDict())).not.toContain(PASSWORD);
  });

  it('refuses an oauthConfig value stored in plaintext as CORRUPT_LOG', async () => {
    const log = await backend();
    await seed(log);
    const plain = await withConfig(log, (c) => ({ ...c, oauthConfig: { clientId: 'app' } }));
    await log.writeColumn(2, 'data', plain);
    const error = await openingFails(log);
    expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
    expect(error.details).toMatchObject({ position: 2, path: 'config.oauthConfig.clientId' });
  });

  it('opens a log whose secrets are sealed or null', async () => {
    const log = await backend();
    await seed(log);
    await log.writeColumn(2, 'data', await withConfig(log, (c) => ({ ...c, password: null })));
    const registry = await DataSourceRegistry.open({ store: log.open(), encryptionKey });
    try {
      const second = registry.getByName('acme', 'second');
      expect(second?.config.password).toBeNull();
      expect(second?.config.oauthConfig).toEqual({ clientId: 'app' });
    } finally {
      await registry.close();
    }
  });
}

describe('A damaged SQLite log', () => {
  const tempDir = useTempDir('corrupt-rows-');

  describeCorruptRows(async () => {
    const filename = join(tempDir(), 'events.db');
    const withFile = <T>(work: (db: Database.Database) => T): T => {
      const db = new Database(filename);
      try {
        return work(db);
      } finally {
        db.close();
      }
    };
    return {
      open: () => createSqliteEventStore({ filename }),
      async readColumn(position, column) {
        return withFile((db) =>
          db
            .prepare<[number], string>(`SELECT ${column} FROM events WHERE position = ?`)
            .pluck()
            .get(position),
        ) as string;
      },
      async writeColumn(position, column, json) {
        withFile((db) =>
          db.prepare(`UPDATE events SET ${column} = ? WHERE position = ?`).run(json, position),
        );
        rechainSqlite(filename);
      },
    };
  }, true);
});

describeWithPostgres('A damaged PostgreSQL log', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  describeCorruptRows(async () => {
    const schema = schemas.next('dsreg_corrupt');
    const events = `${quoteIdentifier(schema)}.events`;
    return {
      open: () => createPostgresEventStore({ connectionString: url, schema }),
      async readColumn(position, column) {
        const rows = await adminQuery<{ text: string }>(
          url,
          `SELECT ${column}::text AS text FROM ${events} WHERE position = $1`,
          [position],
        );
        return rows[0]?.text ?? '';
      },
      async writeColumn(position, column, json) {
        await adminQuery(url, `UPDATE ${events} SET ${column} = $1::json WHERE position = $2`, [
          json,
          position,
        ]);
        await rechainPostgres(url, schema);
      },
    };
  }, false);
});
