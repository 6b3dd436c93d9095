/**
 * The registry suite hands a PostgreSQL schema from one test to the next
 * (`test/support/reused-schemas.ts`); these tests hold it to what
 * docs/testing.md says of it.
 */
import { afterEach, expect, it } from 'vitest';
import { verifyLog } from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { adminQuery, describeWithPostgres, holdMarkedAppends } from '../support/postgres.js';
import { reusedSchemas } from '../support/reused-schemas.js';
import { streamAppend } from './conformance-fixtures.js';

describeWithPostgres('schemas reused from test to test', (url) => {
  const schemas = reusedSchemas(url, 'dsreg_reused');
  afterEach(() => schemas.dropAll());

  /** Takes a schema, appends three events and a claim to it, and gives it back. */
  async function usedOnce(tamper?: (schema: string) => Promise<void>): Promise<string> {
    const schema = await schemas.take();
    const store = createPostgresEventStore({ connectionString: url, schema });
    await store.append({
      ...streamAppend('s1', 0, 3),
      claims: [{ scope: 'acme', key: 'orders', owner: 's1' }],
    });
    await store.close();
    await tamper?.(schema);
    await schemas.giveBack();
    return schema;
  }

  it('hands the next test the same schema, reading as a fresh log', async () => {
    const used = await usedOnce();

    const schema = await schemas.take();
    const store = createPostgresEventStore({ connectionString: url, schema });
    const before = { head: await store.head(), events: await store.readAll() };
    const appended = await store.append({
      ...streamAppend('s1', 0, 2),
      claims: [{ scope: 'acme', key: 'orders', owner: 's1' }],
    });
    const verified = await verifyLog({ store });
    await store.close();

    expect(schema).toBe(used);
    expect(before).toEqual({ head: 0, events: [] });
    expect(appended.map((event) => event.position)).toEqual([1, 2]);
    expect(verified).toMatchObject({ ok: true, checked: 2 });
  });

  it('leaves a schema out of use once a test dropped one of its tables', async () => {
    const used = await usedOnce((schema) =>
      adminQuery(url, `DROP TABLE ${quoteIdentifier(schema)}.snapshots`).then(() => {}),
    );

    expect(await schemas.take()).not.toBe(used);
  });

  it('leaves a schema out of use once a test added a trigger to it', async () => {
    const used = await usedOnce((schema) => holdMarkedAppends(url, schema, [1, 2]));

    expect(await schemas.take()).not.toBe(used);
  });

  it('leaves a schema out of use once a test changed the grants on its tables', async () => {
    const used = await usedOnce((schema) =>
      adminQuery(
        url,
        `GRANT SELECT ON ALL TABLES IN SCHEMA ${quoteIdentifier(schema)} TO PUBLIC`,
      ).then(() => {}),
    );

    expect(await schemas.take()).not.toBe(used);
  });
});
