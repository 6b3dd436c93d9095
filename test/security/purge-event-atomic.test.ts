/**
 * A purge's deletions and its `TenantPurged` are one append: when the store
 * fails on the `TenantPurged` row, after the deletion rows went in, none of
 * them is kept, and the tenant's data key is not destroyed. The failure is a
 * trigger in the real database, refusing that one row.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DataSourceRegistry, ErrorCode, type EventStore } from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { adminQuery, describeWithPostgres, testSchemas } from '../support/postgres.js';
import { databaseInput, failsWith } from '../support/registry-fixtures.js';
import { TEST_ENCRYPTION_KEY } from '../support/store-matrix.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('purge-event-atomic-');

/** Purges acme while the store refuses its TenantPurged row; what it leaves behind. */
async function purgeRefusedMidAppend(store: EventStore, refuseTenantPurged: () => Promise<void>) {
  const registry = await DataSourceRegistry.open({ store, encryptionKey: TEST_ENCRYPTION_KEY });
  await registry.register(databaseInput({ name: 'Orders' }));
  await registry.register(databaseInput({ name: 'Billing' }));
  const head = await store.head();
  await refuseTenantPurged();

  await failsWith(() => registry.purgeTenant('acme'), ErrorCode.STORE_ERROR);

  const left = {
    appended: await store.readAll({ after: head }),
    liveSources: registry.count({ tenantId: 'acme' }),
    wrappedKey: (await store.readDataKeys?.('acme'))?.[0]?.wrappedKey,
  };
  await registry.close();
  return left;
}

describe('a purge refused mid-append (SQLite)', () => {
  it('keeps none of its events and leaves the data key in place', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const left = await purgeRefusedMidAppend(createSqliteEventStore({ filename }), async () => {
      const db = new Database(filename);
      db.exec(`CREATE TRIGGER refuse_purge BEFORE INSERT ON events WHEN NEW.type = 'TenantPurged'
        BEGIN SELECT RAISE(ABORT, 'purges refused'); END`);
      db.close();
    });

    expect(left.appended).toEqual([]);
    expect(left.liveSources).toBe(2);
    expect(left.wrappedKey).toEqual(expect.any(String));
  });
});

describeWithPostgres('a purge refused mid-append (PostgreSQL)', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  it('keeps none of its events and leaves the data key in place', async () => {
    const schema = schemas.next('dsreg_purge_atomic');
    const store = createPostgresEventStore({ connectionString: url, schema });
    const left = await purgeRefusedMidAppend(store, async () => {
      const s = quoteIdentifier(schema);
      await adminQuery(
        url,
        `CREATE FUNCTION ${s}.refuse_purge() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'purges refused'; END $$;
         CREATE TRIGGER refuse_purge BEFORE INSERT ON ${s}.events
           FOR EACH ROW WHEN (NEW.type = 'TenantPurged') EXECUTE FUNCTION ${s}.refuse_purge();`,
      );
    });

    expect(left.appended).toEqual([]);
    expect(left.liveSources).toBe(2);
    expect(left.wrappedKey).toEqual(expect.any(String));
  });
});
