import { join } from 'node:path';
import { afterAll, afterEach, describe } from 'vitest';
import { DataSourceRegistry, type DataSourceRegistryOptions } from '../../src/index.js';
import { openStore, type StoreSpec } from '../fixtures/store-spec.js';
import { SHARED_KEY } from './children.js';
import { describeWithPostgres, testSchemas } from './postgres.js';
import { useTempDir } from './temp-dir.js';

/**
 * Declares the same tests on SQLite (a file in a temp dir) and on PostgreSQL
 * (a schema of its own, when a database is configured). The body gets a
 * function that names a fresh, empty log each time it is called.
 */
export function describeOnDurableStores(title: string, body: (newLog: () => StoreSpec) => void) {
  describe(`${title} (SQLite)`, () => {
    const tempDir = useTempDir('lifecycle-');
    body(() => ({ kind: 'sqlite', filename: join(tempDir(), 'log.db') }));
  });
  describeWithPostgres(`${title} (PostgreSQL)`, (url) => {
    const schemas = testSchemas(url);
    afterAll(() => schemas.dropAll());
    body(() => ({ kind: 'postgres', url, schema: schemas.next('dsreg_lifecycle') }));
  });
}

/** Registries the test opens on a log, with the key children use; all closed after each test. */
export function useRegistries() {
  const opened: DataSourceRegistry[] = [];
  afterEach(async () => {
    for (const registry of opened.splice(0)) await registry.close();
  });
  return {
    async open(spec: StoreSpec, options: DataSourceRegistryOptions = {}) {
      const registry = await DataSourceRegistry.open({
        store: openStore(spec),
        encryptionKey: SHARED_KEY,
        ...options,
      });
      opened.push(registry);
      return registry;
    },
  };
}
