import { afterAll, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/store/event-store.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { SCHEMA_VERSION } from '../../src/store/postgres/migrations.js';
import { adminQuery, describeWithPostgres, testSchemas } from '../support/postgres.js';
import { logAtVersion, recordedVersion } from '../support/postgres-migrations.js';
import { withoutHashes } from './chain-conformance.js';
import { streamAppend } from './conformance.js';

describeWithPostgres('a PostgreSQL log written when reads waited on the client', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  it('keeps its events and gains the server-side page read', async () => {
    const schema = schemas.next('dsreg_read_migration');
    let written: readonly StoredEvent[] = [];
    await logAtVersion(
      url,
      schema,
      11,
      async (store) => {
        written = await store.append(streamAppend('s1', 0, 2));
      },
      (s) => `DROP FUNCTION ${s}.read_page`,
    );
    const store = createPostgresEventStore({ connectionString: url, schema });
    try {
      const appended = await store.append(streamAppend('s2', 0, 1, { tenantId: 'acme' }));

      expect(withoutHashes(await store.readAll())).toEqual(
        withoutHashes([...written, ...appended]),
      );
      expect(withoutHashes(await store.readAll({ tenantId: 'acme' }))).toEqual(
        withoutHashes(appended),
      );
      const functions = await adminQuery<{ count: number }>(
        url,
        `SELECT count(*)::int AS count FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = $1 AND p.proname = 'read_page'`,
        [schema],
      );
      expect(functions).toEqual([{ count: 1 }]);
      expect(await recordedVersion(url, schema)).toBe(SCHEMA_VERSION);
    } finally {
      await store.close();
    }
  });
});

describeWithPostgres('a PostgreSQL log written when page reads paused 0.2 ms each time', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  /** The page read's own text, as the server holds it. */
  const readPageText = async (schema: string) => {
    const [row] = await adminQuery<{ text: string }>(
      url,
      `SELECT pg_get_functiondef(p.oid) AS text FROM pg_proc p
         JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = $1 AND p.proname = 'read_page'`,
      [schema],
    );
    return row?.text ?? '';
  };

  it('keeps its events and gains the read whose pause grows', async () => {
    const schema = schemas.next('dsreg_read_pause_migration');
    let written: readonly StoredEvent[] = [];
    await logAtVersion(
      url,
      schema,
      12,
      async (store) => {
        written = await store.append(streamAppend('s1', 0, 2));
      },
      // The function as version 12 wrote it: the same, with a fixed pause.
      (s) => `DO $do$ BEGIN EXECUTE replace(replace(
          pg_get_functiondef('${s}.read_page'::regproc),
          'PERFORM pg_sleep(pause);', 'PERFORM pg_sleep(0.0002);'),
          'pause := least(pause * 2, 0.002);', ''); END $do$`,
    );
    expect(await readPageText(schema)).not.toContain('least(pause');
    const store = createPostgresEventStore({ connectionString: url, schema });
    try {
      const appended = await store.append(streamAppend('s2', 0, 1));

      expect(withoutHashes(await store.readAll())).toEqual(
        withoutHashes([...written, ...appended]),
      );
      expect(await readPageText(schema)).toContain('pause := least(pause * 2, 0.002)');
      expect(await recordedVersion(url, schema)).toBe(SCHEMA_VERSION);
    } finally {
      await store.close();
    }
  });
});
