/**
 * The registry suite runs on every store: `describeEachStore` repeats a
 * describe block for memory, SQLite (a real file in a temp dir) and
 * PostgreSQL (a schema of its own per test, emptied afterwards for the next,
 * skipped without a database). Its harness makes registries with the test
 * clock and counting ids, opens further registries on the same log, and
 * closes and removes everything after each test.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, inject } from 'vitest';
import {
  createMemoryEventStore,
  DataSourceRegistry,
  type DataSourceRegistryOptions,
  type EventStore,
} from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { describeWithPostgres } from './postgres.js';
import { quickTests } from './property-runs.js';
import { sequentialIds, type TestClock, testClock } from './registry-fixtures.js';
import { type ReusedSchemas, reusedSchemas } from './reused-schemas.js';

export type StoreKind = 'memory' | 'sqlite' | 'postgres';

/** The key durable stores encrypt secrets with in these tests. */
export const TEST_ENCRYPTION_KEY = randomBytes(32);

/** What a test may set on the registries it makes; the store comes from the harness. */
export type HarnessOptions = Omit<DataSourceRegistryOptions, 'store'>;

/** A registry on a fresh log, and the means to open more on that same log. */
export interface StoreRegistry {
  readonly registry: DataSourceRegistry;
  /** The store under `registry`, for reading the log through the EventStore API. */
  readonly store: EventStore;
  readonly clock: TestClock;
  /**
   * Another registry on the same log, replayed from it: a restart, or a
   * second service instance. Its ids count up under a prefix of their own,
   * so they never collide with the first registry's.
   */
  reopen(options?: HarnessOptions): Promise<DataSourceRegistry>;
  /** Another store object on the same log (a new connection for a durable store); closed after the test. */
  openStore(): EventStore;
  /**
   * Closes every registry and store opened on this log, and lets the harness
   * hand the log, emptied, to the next `createRegistry`: for a property that
   * makes a registry for each of its runs.
   */
  release(): Promise<void>;
}

/** One row of the matrix. */
export interface StoreHarness {
  readonly kind: StoreKind;
  /** True for SQLite and PostgreSQL: secrets are encrypted, `reset()` is refused. */
  readonly durable: boolean;
  /** A registry with the test clock and counting ids on a fresh, empty log. */
  createRegistry(options?: HarnessOptions): Promise<StoreRegistry>;
}

/** One log of a test: opens store objects on it, and hands it back once they are closed. */
interface Log {
  open(): EventStore;
  release(): Promise<void>;
}

interface LogFactory {
  /** A new, empty log. */
  newLog(): Promise<Log>;
  /** After each test, once its registries are closed. */
  cleanUp(): Promise<void>;
  /** After the last test of the block. */
  cleanUpAll(): Promise<void>;
}

function memoryLogs(): LogFactory {
  return {
    async newLog() {
      // One log is one store object: a memory store cannot be opened twice.
      const store = createMemoryEventStore();
      return { open: () => store, release: async () => {} };
    },
    async cleanUp() {},
    async cleanUpAll() {},
  };
}

function sqliteLogs(): LogFactory {
  const dirs: string[] = [];
  return {
    async newLog() {
      const dir = mkdtempSync(join(tmpdir(), 'registry-matrix-'));
      dirs.push(dir);
      const filename = join(dir, 'log.db');
      return {
        open: () => createSqliteEventStore({ filename }),
        release: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
    async cleanUp() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
    async cleanUpAll() {},
  };
}

// One set of reused schemas per database for the whole test process, so a
// describe block starts with the schemas the blocks before it left.
const matrixSchemas = new Map<string, ReusedSchemas>();

function matrixSchemasOn(url: string, prefix: string): ReusedSchemas {
  const schemas = matrixSchemas.get(url) ?? reusedSchemas(url, prefix);
  matrixSchemas.set(url, schemas);
  return schemas;
}

function postgresLogs(url: string): LogFactory {
  // Under the run's prefix the run drops them at its end (postgres-run.ts);
  // without one, each block drops what was made up to then.
  const runPrefix = inject('postgresSchemaPrefix');
  const schemas = matrixSchemasOn(url, runPrefix ?? 'dsreg_matrix');
  return {
    async newLog() {
      const schema = await schemas.take();
      return {
        // A short poll keeps a registry that missed a notice from lagging long.
        open: () =>
          createPostgresEventStore({ connectionString: url, schema, pollIntervalMs: 100 }),
        release: () => schemas.giveBack([schema]),
      };
    },
    cleanUp: () => schemas.giveBack(),
    cleanUpAll: async () => {
      if (runPrefix === undefined) await schemas.dropAll();
    },
  };
}

function harness(kind: StoreKind, logs: LogFactory): StoreHarness {
  const opened: DataSourceRegistry[] = [];
  const looseStores: EventStore[] = [];
  afterEach(async () => {
    // Every registry closes its own store; closing twice, or a shared memory store, is harmless.
    for (const registry of opened.splice(0)) await registry.close();
    for (const store of looseStores.splice(0)) await store.close();
    await logs.cleanUp();
  });
  afterAll(() => logs.cleanUpAll());

  const durable = kind !== 'memory';
  let reopened = 0;

  async function openOn(
    store: EventStore,
    clock: TestClock,
    prefix: string,
    options: HarnessOptions,
  ) {
    const registry = await DataSourceRegistry.open({
      clock,
      newId: sequentialIds(prefix),
      ...(durable ? { encryptionKey: TEST_ENCRYPTION_KEY } : {}),
      ...options,
      store,
    });
    opened.push(registry);
    return registry;
  }

  return {
    kind,
    durable,
    async createRegistry(options = {}) {
      const log = await logs.newLog();
      const clock = testClock();
      const onLog = { registries: [] as DataSourceRegistry[], stores: [] as EventStore[] };
      const openOnLog = async (store: EventStore, prefix: string, more: HarnessOptions) => {
        const registry = await openOn(store, clock, prefix, { ...options, ...more });
        onLog.registries.push(registry);
        return registry;
      };
      const store = log.open();
      const registry = await openOnLog(store, 'id', {});
      return {
        registry,
        store,
        clock,
        reopen: (more = {}) => openOnLog(log.open(), `r${++reopened}`, more),
        openStore() {
          const another = log.open();
          looseStores.push(another);
          onLog.stores.push(another);
          return another;
        },
        async release() {
          for (const opened of onLog.registries.splice(0)) await opened.close();
          for (const opened of onLog.stores.splice(0)) await opened.close();
          await log.release();
        },
      };
    },
  };
}

/**
 * Repeats a describe block on memory, SQLite and PostgreSQL. Without
 * DATASOURCE_REGISTRY_PG_URL the PostgreSQL block is skipped, and says so.
 * A quick run (mutation testing, see `property-runs.ts`) runs the memory
 * block alone: the code it mutates is the same on every store, and the
 * durable stores keep their own tests (`describeEachDurableStore`).
 */
export function describeEachStore(name: string, body: (harness: StoreHarness) => void): void {
  describe(`${name} (memory)`, () => body(harness('memory', memoryLogs())));
  if (quickTests) return;
  describe(`${name} (SQLite)`, () => body(harness('sqlite', sqliteLogs())));
  describeWithPostgres(`${name} (PostgreSQL)`, (url) =>
    body(harness('postgres', postgresLogs(url))),
  );
}

/** Repeats a describe block on the durable stores only: SQLite and PostgreSQL. */
export function describeEachDurableStore(
  name: string,
  body: (harness: StoreHarness) => void,
): void {
  describe(`${name} (SQLite)`, () => body(harness('sqlite', sqliteLogs())));
  describeWithPostgres(`${name} (PostgreSQL)`, (url) =>
    body(harness('postgres', postgresLogs(url))),
  );
}
