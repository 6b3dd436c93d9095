import { afterAll, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/store/event-store.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { SCHEMA_VERSION } from '../../src/store/postgres/migrations.js';
import { adminQuery, describeWithPostgres, testSchemas } from '../support/postgres.js';
import { logAtVersion, recordedVersion } from '../support/postgres-migrations.js';
import { withoutHashes } from './chain-conformance.js';
import { streamAppend } from './conformance.js';

const LOCK_WHEN_NEEDED = 'IF p_guard_tenant IS NOT NULL OR 1 = ANY(p_stream_versions) THEN';
const ONE_POSITION = 'IF p_count = 1 THEN';

describeWithPostgres('a PostgreSQL log written before appends skipped needless work', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  /** A function's own text, as the server holds it. */
  const functionText = async (schema: string, name: string) => {
    const [row] = await adminQuery<{ text: string }>(
      url,
      `SELECT pg_get_functiondef(p.oid) AS text FROM pg_proc p
         JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = $1 AND p.proname = $2`,
      [schema, name],
    );
    return row?.text ?? '';
  };

  it('keeps its events, appends after them, and gains the leaner append', async () => {
    const schema = schemas.next('dsreg_lean_append_migration');
    let written: readonly StoredEvent[] = [];
    // Version 13 locked tenants on every append and drew every position by a query.
    const asBefore = (s: string, fn: string, from: string, to: string) =>
      `DO $do$ BEGIN EXECUTE replace(pg_get_functiondef('${s}.${fn}'::regproc),
         '${from}', '${to}'); END $do$;`;
    await logAtVersion(
      url,
      schema,
      13,
      async (store) => {
        written = await store.append(streamAppend('s1', 0, 2));
      },
      (s) =>
        asBefore(s, 'append_events', LOCK_WHEN_NEEDED, 'IF true THEN') +
        asBefore(s, 'take_positions', ONE_POSITION, 'IF false THEN'),
    );
    expect(await functionText(schema, 'append_events')).not.toContain(LOCK_WHEN_NEEDED);
    expect(await functionText(schema, 'take_positions')).not.toContain(ONE_POSITION);

    const store = createPostgresEventStore({ connectionString: url, schema });
    try {
      const one = await store.append(streamAppend('s1', 2, 1));
      const two = await store.append(streamAppend('s2', 0, 2, { tenantId: 'acme' }));

      expect([...one, ...two].map((event) => event.position)).toEqual([3, 4, 5]);
      expect(withoutHashes(await store.readAll())).toEqual(
        withoutHashes([...written, ...one, ...two]),
      );
      expect(await functionText(schema, 'append_events')).toContain(LOCK_WHEN_NEEDED);
      expect(await functionText(schema, 'take_positions')).toContain(ONE_POSITION);
      expect(await recordedVersion(url, schema)).toBe(SCHEMA_VERSION);
    } finally {
      await store.close();
    }
  });
});
