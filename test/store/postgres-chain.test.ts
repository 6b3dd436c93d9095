import { afterAll, expect, it } from 'vitest';
import { verifyLog } from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { HASH_CHAIN_VERSION } from '../../src/store/postgres/migrations.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { pageSql, SEAL_PAGE } from '../../src/store/postgres/seal.js';
import { adminQuery, describeWithPostgres, testSchemas } from '../support/postgres.js';
import { streamAppend } from './conformance-fixtures.js';

/** How long a store waits after a commit before it seals, as the store documents it. */
const SEAL_DELAY_MS = 25;

describeWithPostgres('the PostgreSQL hash chain', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  it('plans the page a sealer reads below the cost that compiles it, in a schema never analyzed', async () => {
    const schema = schemas.next('dsreg_chain_plan');
    const store = createPostgresEventStore({ connectionString: url, schema });
    // Rows of some size: a table never analyzed is costed by its pages.
    const request = streamAppend('s1', 0, SEAL_PAGE);
    const events = request.events.map((event) => ({ ...event, data: { text: 'x'.repeat(500) } }));
    await store.append({ ...request, events });
    await store.close();

    const sql = pageSql(quoteIdentifier(schema)).replace('$1', String(SEAL_PAGE));
    const [explained] = await adminQuery<{ 'QUERY PLAN': [{ Plan: { 'Total Cost': number } }] }>(
      url,
      `EXPLAIN (FORMAT JSON) ${sql}`,
    );
    const [setting] = await adminQuery<{ cost: string }>(
      url,
      "SELECT current_setting('jit_above_cost') AS cost",
    );

    const cost = explained?.['QUERY PLAN'][0].Plan['Total Cost'] ?? Number.POSITIVE_INFINITY;
    expect(cost).toBeLessThan(Number(setting?.cost));
  });

  it('seals every event of writers appending side by side into one unbroken chain', async () => {
    const schema = schemas.next('dsreg_chain_writers');
    const writers = Array.from({ length: 4 }, () =>
      createPostgresEventStore({ connectionString: url, schema }),
    );
    await writers[0]?.head();
    // Every writer appends to its own streams at once; some commands fail (a
    // stale expected version), leaving gaps in the positions of a batch.
    await Promise.all(
      writers.map(async (store, w) => {
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            store.append(streamAppend(`w${w}-s${i}`, i % 10 === 9 ? 3 : 0, 2)).catch(() => null),
          ),
        );
      }),
    );
    for (const store of writers) await store.close();
    const [{ unsealed = '' } = {}] = await adminQuery<{ unsealed: string }>(
      url,
      `SELECT count(*) AS unsealed FROM ${quoteIdentifier(schema)}.events WHERE hash IS NULL`,
    );
    const reader = createPostgresEventStore({ connectionString: url, schema });

    const result = await verifyLog({ store: reader });
    const events = await reader.readAll();
    await reader.close();

    expect(unsealed).toBe('0');
    expect(result).toMatchObject({ ok: true, checked: 4 * 36 * 2, unsealed: 0 });
    expect(result.position).toBe(events.at(-1)?.position);
  });

  it('seals the last appends of a store closed right after them', async () => {
    const schema = schemas.next('dsreg_chain_close');
    const store = createPostgresEventStore({ connectionString: url, schema });
    await store.append(streamAppend('s1', 0, 3));

    await store.close();

    const [{ unsealed = '' } = {}] = await adminQuery<{ unsealed: string }>(
      url,
      `SELECT count(*) AS unsealed FROM ${quoteIdentifier(schema)}.events WHERE hash IS NULL`,
    );
    expect(unsealed).toBe('0');
  });

  it("seals a busy writer's commits once per delay at most, and every one of them", async () => {
    const schema = schemas.next('dsreg_chain_busy');
    const s = quoteIdentifier(schema);
    const store = createPostgresEventStore({ connectionString: url, schema });
    await store.head();
    // Every seal moves the sealed head: one row of this table per seal.
    await adminQuery(
      url,
      `CREATE TABLE ${s}.seals (at timestamptz NOT NULL);
       CREATE FUNCTION ${s}.count_seal() RETURNS trigger LANGUAGE plpgsql AS $fn$
         BEGIN INSERT INTO ${s}.seals VALUES (clock_timestamp()); RETURN NULL; END $fn$;
       CREATE TRIGGER count_seal AFTER UPDATE ON ${s}.chain_head
         FOR EACH ROW EXECUTE FUNCTION ${s}.count_seal();`,
    );
    const started = performance.now();
    for (let i = 0; i < 100; i++) await store.append(streamAppend(`s${i}`, 0));
    await store.close();
    const span = performance.now() - started;

    const [{ seals = 0, unsealed = 0 } = {}] = await adminQuery<{
      seals: number;
      unsealed: number;
    }>(
      url,
      `SELECT (SELECT count(*)::int FROM ${s}.seals) AS seals,
              (SELECT count(*)::int FROM ${s}.events WHERE hash IS NULL) AS unsealed`,
    );
    // Each seal waits out the delay after the request that started it or the
    // seal before it: however slow the machine, no more than this fit.
    expect(seals).toBeGreaterThan(0);
    expect(seals).toBeLessThanOrEqual(Math.floor(span / SEAL_DELAY_MS));
    expect(unsealed).toBe(0);
  });

  it('chains the events a log held before it had a hash column, on migrating', async () => {
    const schema = schemas.next('dsreg_chain_upgrade');
    const s = quoteIdentifier(schema);
    const store = createPostgresEventStore({ connectionString: url, schema });
    for (let i = 0; i < 5; i++) await store.append(streamAppend(`s${i}`, 0, 3));
    await store.close();
    // As a release before the chain left it.
    await adminQuery(
      url,
      `ALTER TABLE ${s}.events DROP COLUMN hash; DROP TABLE ${s}.chain_head;
       DELETE FROM ${s}.event_store_schema_version WHERE version >= ${HASH_CHAIN_VERSION}`,
    );
    const upgraded = createPostgresEventStore({ connectionString: url, schema });

    await upgraded.head();
    const [{ sealed = '' } = {}] = await adminQuery<{ sealed: string }>(
      url,
      `SELECT count(hash) AS sealed FROM ${s}.events`,
    );
    const result = await verifyLog({ store: upgraded });
    await upgraded.close();

    expect(sealed).toBe('15');
    expect(result).toMatchObject({ ok: true, checked: 15, unsealed: 0 });
  });
});
