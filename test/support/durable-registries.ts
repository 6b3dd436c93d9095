import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { DataSourceRegistry, type EventStore } from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { postgresUrl, testSchemas } from './postgres.js';
import { useTempDir } from './temp-dir.js';

/** One place a log can live, and how to open a registry on it again and again. */
export interface LogPlace {
  readonly kind: 'sqlite' | 'postgres';
  /** A registry on this log, opened anew; closed after the test. */
  open(): Promise<DataSourceRegistry>;
}

/**
 * Fresh logs on a real SQLite file and, when a database is configured, in a
 * PostgreSQL schema of their own: for tests that check what survives a
 * restart. Everything opened is closed, and every schema dropped, after each test.
 */
export function useDurableLogs(prefix: string) {
  const tempDir = useTempDir(`${prefix}-`);
  const schemas = postgresUrl === undefined ? null : testSchemas(postgresUrl);
  const encryptionKey = randomBytes(32);
  const opened: DataSourceRegistry[] = [];
  afterEach(async () => {
    for (const registry of opened.splice(0)) await registry.close();
    await schemas?.dropAll();
  });

  function place(kind: LogPlace['kind'], makeStore: () => EventStore): LogPlace {
    return {
      kind,
      async open() {
        const registry = await DataSourceRegistry.open({ store: makeStore(), encryptionKey });
        opened.push(registry);
        return registry;
      },
    };
  }

  /** A new log per call: SQLite always, PostgreSQL when configured. */
  return function freshLogs(): LogPlace[] {
    const filename = join(tempDir(), 'log.db');
    const places = [place('sqlite', () => createSqliteEventStore({ filename }))];
    if (schemas !== null && postgresUrl !== undefined) {
      const schema = schemas.next(prefix.replace(/\W/g, '_'));
      const connectionString = postgresUrl;
      places.push(place('postgres', () => createPostgresEventStore({ connectionString, schema })));
    }
    return places;
  };
}
