import { afterAll, expect, it } from 'vitest';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { SCHEMA_VERSION } from '../../src/store/postgres/migrations.js';
import { describeWithPostgres, testSchemas } from '../support/postgres.js';
import { logAtVersion, recordedVersion } from '../support/postgres-migrations.js';
import { streamAppend } from './conformance.js';

describeWithPostgres('a PostgreSQL log written before events carried transaction ids', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  /** A schema as the release before left it: version 3, no transaction_id column. */
  async function schemaAtVersion3(): Promise<string> {
    const schema = schemas.next('dsreg_xid_migration');
    await logAtVersion(
      url,
      schema,
      3,
      async (store) => {
        await store.append(streamAppend('s1', 0, 2, { tenantId: 't1' }));
        await store.append(streamAppend('s2', 0, 1, { tenantId: 't1' }));
      },
      (s) => `ALTER TABLE ${s}.events DROP COLUMN transaction_id`,
    );
    return schema;
  }

  it('keeps the events it held readable, in order, and appends after them', async () => {
    const schema = await schemaAtVersion3();
    const store = createPostgresEventStore({ connectionString: url, schema });
    try {
      const before = await store.readAll();
      const [appended] = await store.append(streamAppend('s2', 1, 1, { tenantId: 't1' }));

      expect(before.map((event) => [event.sourceId, event.position])).toEqual([
        ['s1', 1],
        ['s1', 2],
        ['s2', 3],
      ]);
      expect(appended?.position).toBe(4);
      expect((await store.readAll({ after: 3 })).map((event) => event.eventId)).toEqual([
        appended?.eventId,
      ]);
      expect(await store.head()).toBe(4);
      expect(await recordedVersion(url, schema)).toBe(SCHEMA_VERSION);
    } finally {
      await store.close();
    }
  });
});
