import { afterAll, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/store/event-store.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { SCHEMA_VERSION } from '../../src/store/postgres/migrations.js';
import { adminQuery, describeWithPostgres, testSchemas } from '../support/postgres.js';
import {
  functionText,
  logAtVersion,
  recordedVersion,
  rewriteFunction,
} from '../support/postgres-migrations.js';
import { withoutHashes } from './chain-conformance.js';
import { streamAppend } from './conformance.js';

describeWithPostgres('a PostgreSQL log written before the current page read', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  const readPageText = (schema: string) => functionText(url, schema, 'read_page');

  /** A log of two events, taken back to schema `version` by `undo`; the events written. */
  async function oldLog(schema: string, version: number, undo: (quoted: string) => string) {
    let written: readonly StoredEvent[] = [];
    await logAtVersion(
      url,
      schema,
      version,
      async (store) => {
        written = await store.append(streamAppend('s1', 0, 2));
      },
      undo,
    );
    return written;
  }

  it('from when reads waited on the client keeps its events and gains the server-side page read', async () => {
    const schema = schemas.next('dsreg_read_migration');
    const written = await oldLog(schema, 11, (s) => `DROP FUNCTION ${s}.read_page`);
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

  it('from when page reads paused 0.2 ms each time keeps its events and gains the read whose pause grows', async () => {
    const schema = schemas.next('dsreg_read_pause_migration');
    // The function as version 12 wrote it: the same, with a fixed pause.
    const written = await oldLog(schema, 12, (s) =>
      rewriteFunction(s, 'read_page', [
        ['PERFORM pg_sleep(pause);', 'PERFORM pg_sleep(0.0002);'],
        ['pause := least(pause * 2, 0.002);', ''],
      ]),
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
