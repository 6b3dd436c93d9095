import { afterAll, expect, it } from 'vitest';
import type { DataSourceError } from '../../src/domain/errors.js';
import { APPEND_BATCH_V1_ARGUMENTS } from '../../src/store/postgres/append-batch-function.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { SCHEMA_VERSION } from '../../src/store/postgres/migrations.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { detailsOf } from '../support/error-details.js';
import { adminQuery, describeWithPostgres, testSchemas } from '../support/postgres.js';
import { withoutHashes } from './chain-conformance.js';
import { streamAppend } from './conformance.js';

describeWithPostgres('a PostgreSQL log written when batches went as JSON', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  /** A schema as the release before left it: version 10, a batch function of one JSON argument. */
  async function schemaAtVersion10(): Promise<string> {
    const schema = schemas.next('dsreg_array_batch_migration');
    const store = createPostgresEventStore({ connectionString: url, schema });
    await store.append(streamAppend('s1', 0, 2));
    await store.close();
    const s = quoteIdentifier(schema);
    await adminQuery(url, `DELETE FROM ${s}.event_store_schema_version WHERE version > 10`);
    await adminQuery(
      url,
      `DROP FUNCTION ${s}.append_batch;
       CREATE FUNCTION ${s}.append_batch(${APPEND_BATCH_V1_ARGUMENTS})
         RETURNS json LANGUAGE sql AS 'SELECT NULL::json'`,
    );
    return schema;
  }

  it('keeps its events and migrates to one batch function that takes arrays', async () => {
    const schema = await schemaAtVersion10();
    const store = createPostgresEventStore({ connectionString: url, schema });
    try {
      const before = await store.readStream('s1');
      const outcomes = await store.appendBatch([
        streamAppend('s1', 2, 1),
        streamAppend('s1', 0, 1),
        streamAppend('s2', 0, 1),
      ]);

      expect(before.map((event) => event.streamVersion)).toEqual([1, 2]);
      expect(
        outcomes.map((o) => (o.ok ? 'ok' : detailsOf(o.error as DataSourceError).reason)),
      ).toEqual(['ok', 'version', 'ok']);
      expect(withoutHashes(await store.readAll())).toEqual(
        withoutHashes([...before, ...outcomes.flatMap((o) => (o.ok ? o.events : []))]),
      );
      const functions = await adminQuery<{ arguments: string }>(
        url,
        `SELECT pg_get_function_identity_arguments(p.oid) AS arguments FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = $1 AND p.proname = 'append_batch'`,
        [schema],
      );
      expect(functions).toHaveLength(1);
      expect(functions[0]?.arguments).toMatch(/^p_stream_counts integer\[\]/);
      const versions = await adminQuery<{ version: number }>(
        url,
        `SELECT max(version) AS version FROM ${quoteIdentifier(schema)}.event_store_schema_version`,
      );
      expect(versions[0]?.version).toBe(SCHEMA_VERSION);
    } finally {
      await store.close();
    }
  });
});
