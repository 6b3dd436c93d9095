import { afterAll, expect, it } from 'vitest';
import { APPEND_FUNCTION_V1_ARGUMENTS } from '../../src/store/postgres/append-function.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { SCHEMA_VERSION } from '../../src/store/postgres/migrations.js';
import { adminQuery, describeWithPostgres, testSchemas } from '../support/postgres.js';
import { logAtVersion, recordedVersion } from '../support/postgres-migrations.js';
import { streamAppend } from './conformance.js';

describeWithPostgres('a PostgreSQL log written before appends took a tenant guard', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  /** A schema as the release before the guard left it: version 2, the old append function. */
  async function schemaAtVersion2(): Promise<string> {
    const schema = schemas.next('dsreg_guard_migration');
    await logAtVersion(
      url,
      schema,
      2,
      (store) => store.append(streamAppend('s1', 0, 1, { tenantId: 't1' })),
      (s) => `DROP FUNCTION ${s}.append_events;
        CREATE FUNCTION ${s}.append_events(${APPEND_FUNCTION_V1_ARGUMENTS})
          RETURNS bigint[] LANGUAGE sql AS 'SELECT NULL::bigint[]'`,
    );
    return schema;
  }

  it('migrates to one append function that checks the guard', async () => {
    const schema = await schemaAtVersion2();
    const store = createPostgresEventStore({ connectionString: url, schema });
    try {
      await store.append(streamAppend('s2', 0, 1, { tenantId: 't1' }));
      const guarded = streamAppend('s1', 1, 1, {
        tenantId: 't1',
        tenantUnchanged: { tenantId: 't1', position: 1 },
      });

      await expect(store.append(guarded)).rejects.toMatchObject({
        details: { reason: 'tenant', createdAt: 2 },
      });

      const functions = await adminQuery<{ count: number }>(
        url,
        `SELECT count(*)::int AS count FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = $1 AND p.proname = 'append_events'`,
        [schema],
      );
      expect(functions[0]?.count).toBe(1);
      expect(await recordedVersion(url, schema)).toBe(SCHEMA_VERSION);
    } finally {
      await store.close();
    }
  });
});
