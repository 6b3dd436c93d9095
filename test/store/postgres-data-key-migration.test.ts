import { afterAll, expect, it } from 'vitest';
import { APPEND_FUNCTION_V2_ARGUMENTS } from '../../src/store/postgres/append-function.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { SCHEMA_VERSION } from '../../src/store/postgres/migrations.js';
import { adminQuery, describeWithPostgres, testSchemas } from '../support/postgres.js';
import { logAtVersion, recordedVersion } from '../support/postgres-migrations.js';
import { streamAppend } from './conformance.js';

describeWithPostgres('a PostgreSQL log written before appends checked data keys', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  /** A schema as the release before the check left it: version 9, append functions of 18 arguments. */
  async function schemaAtVersion9(): Promise<string> {
    const schema = schemas.next('dsreg_key_check_migration');
    await logAtVersion(
      url,
      schema,
      9,
      (store) => store.append(streamAppend('s1', 0, 1, { tenantId: 'acme' })),
      (s) => `DROP FUNCTION ${s}.append_events; DROP FUNCTION ${s}.append_one;
        CREATE FUNCTION ${s}.append_events(${APPEND_FUNCTION_V2_ARGUMENTS})
          RETURNS bigint[] LANGUAGE sql AS 'SELECT NULL::bigint[]';
        CREATE FUNCTION ${s}.append_one(bigint[], ${APPEND_FUNCTION_V2_ARGUMENTS})
          RETURNS bigint[] LANGUAGE sql AS 'SELECT NULL::bigint[]'`,
    );
    return schema;
  }

  it('migrates to one pair of append functions that refuse a destroyed key', async () => {
    const schema = await schemaAtVersion9();
    const store = createPostgresEventStore({ connectionString: url, schema });
    try {
      await store.createDataKey({ keyId: 'k1', tenantId: 'acme', wrappedKey: 'w-k1' });
      await store.append(streamAppend('s2', 0, 1, { destroysDataKeysOf: 'acme' }));

      await expect(
        store.append(streamAppend('s3', 0, 1, { sealedUnder: ['k1'] })),
      ).rejects.toMatchObject({ details: { reason: 'dataKey', dataKeyId: 'k1' } });

      const functions = await adminQuery<{ name: string; count: number }>(
        url,
        `SELECT p.proname AS name, count(*)::int AS count FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = $1 AND p.proname IN ('append_events', 'append_one')
          GROUP BY p.proname ORDER BY p.proname`,
        [schema],
      );
      expect(functions).toEqual([
        { name: 'append_events', count: 1 },
        { name: 'append_one', count: 1 },
      ]);
      expect(await recordedVersion(url, schema)).toBe(SCHEMA_VERSION);
    } finally {
      await store.close();
    }
  });
});
