/**
 * Real stores made to refuse writes, for tests of what a failed append leaves
 * behind: an SQLite file whose write lock another connection holds, and a
 * PostgreSQL role whose INSERT privilege is revoked. Both fail inside the
 * driver, as they would in production, and both can be lifted again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe } from 'vitest';
import { DataSourceRegistry, type EventStore } from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { adminQuery, describeWithPostgres, uniqueName } from './postgres.js';
import { sequentialIds, testClock } from './registry-fixtures.js';
import { TEST_ENCRYPTION_KEY } from './store-matrix.js';

/** A registry on a real durable store, and a switch that makes the store refuse appends. */
export interface BlockableRegistry {
  readonly registry: DataSourceRegistry;
  readonly store: EventStore;
  /** From now on every append fails in the driver; reads still work. */
  blockWrites(): Promise<void>;
  /** Appends work again. */
  unblockWrites(): Promise<void>;
}

export interface FailureHarness {
  readonly kind: 'sqlite' | 'postgres';
  /** A registry with the test clock and counting ids on a fresh log that can be made to refuse appends. */
  createBlockableRegistry(): Promise<BlockableRegistry>;
}

function sqliteFailures(): FailureHarness {
  const cleanUps: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
  });
  return {
    kind: 'sqlite',
    async createBlockableRegistry() {
      const dir = mkdtempSync(join(tmpdir(), 'registry-locked-'));
      cleanUps.push(() => rmSync(dir, { recursive: true, force: true }));
      const filename = join(dir, 'log.db');
      // A short busy timeout: the append gives up on the lock at once instead of after 5 s.
      const store = createSqliteEventStore({ filename, busyTimeoutMs: 25 });
      const registry = await DataSourceRegistry.open({
        store,
        clock: testClock(),
        newId: sequentialIds(),
        encryptionKey: TEST_ENCRYPTION_KEY,
      });
      cleanUps.push(() => registry.close());
      // Tests run as root, where a read-only file mode does not stop writes;
      // a second connection holding the write lock stops them for anyone.
      const holder = new Database(filename);
      cleanUps.push(() => {
        if (holder.inTransaction) holder.exec('ROLLBACK');
        holder.close();
      });
      return {
        registry,
        store,
        async blockWrites() {
          holder.exec('BEGIN EXCLUSIVE');
        },
        async unblockWrites() {
          holder.exec('ROLLBACK');
        },
      };
    },
  };
}

function postgresFailures(url: string): FailureHarness {
  const cleanUps: (() => Promise<unknown>)[] = [];
  const dropLater: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
  });
  afterAll(async () => {
    for (const drop of dropLater.splice(0)) await drop();
  });
  return {
    kind: 'postgres',
    async createBlockableRegistry() {
      const schema = uniqueName('dsreg_revoked');
      const role = uniqueName('dsreg_writer');
      const s = quoteIdentifier(schema);
      const r = quoteIdentifier(role);
      // The schema is made by the owner; the registry writes as a role that may only use it.
      const owner = createPostgresEventStore({ connectionString: url, schema });
      await owner.head();
      await owner.close();
      await adminQuery(url, `CREATE ROLE ${r} LOGIN`);
      await adminQuery(url, `GRANT USAGE ON SCHEMA ${s} TO ${r}`);
      await adminQuery(
        url,
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}`,
      );
      await adminQuery(url, `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`);
      dropLater.push(async () => {
        await adminQuery(url, `DROP SCHEMA IF EXISTS ${s} CASCADE`);
        await adminQuery(url, `DROP ROLE IF EXISTS ${r}`);
      });
      const asRole = new URL(url);
      asRole.username = role;
      asRole.password = '';
      const store = createPostgresEventStore({
        connectionString: asRole.toString(),
        schema,
        pollIntervalMs: 100,
      });
      const registry = await DataSourceRegistry.open({
        store,
        clock: testClock(),
        newId: sequentialIds(),
        encryptionKey: TEST_ENCRYPTION_KEY,
      });
      cleanUps.push(() => registry.close());
      return {
        registry,
        store,
        async blockWrites() {
          await adminQuery(url, `REVOKE INSERT ON ALL TABLES IN SCHEMA ${s} FROM ${r}`);
        },
        async unblockWrites() {
          await adminQuery(url, `GRANT INSERT ON ALL TABLES IN SCHEMA ${s} TO ${r}`);
        },
      };
    },
  };
}

/** Repeats a describe block on a locked SQLite file and on a PostgreSQL role without INSERT. */
export function describeEachFailingStore(
  name: string,
  body: (harness: FailureHarness) => void,
): void {
  describe(`${name} (SQLite, write lock held elsewhere)`, () => body(sqliteFailures()));
  describeWithPostgres(`${name} (PostgreSQL, INSERT revoked)`, (url) =>
    body(postgresFailures(url)),
  );
}
