import { afterAll, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/store/event-store.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { SCHEMA_VERSION } from '../../src/store/postgres/migrations.js';
import { describeWithPostgres, testSchemas } from '../support/postgres.js';
import {
  functionText,
  logAtVersion,
  recordedVersion,
  rewriteFunction,
} from '../support/postgres-migrations.js';
import { withoutHashes } from './chain-conformance.js';
import { streamAppend } from './conformance.js';

const LOCK_WHEN_NEEDED = 'IF p_guard_tenant IS NOT NULL OR 1 = ANY(p_stream_versions) THEN';
const ONE_POSITION = 'IF p_count = 1 THEN';

describeWithPostgres('a PostgreSQL log written before appends skipped needless work', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  it('keeps its events, appends after them, and gains the leaner append', async () => {
    const schema = schemas.next('dsreg_lean_append_migration');
    let written: readonly StoredEvent[] = [];
    await logAtVersion(
      url,
      schema,
      13,
      async (store) => {
        written = await store.append(streamAppend('s1', 0, 2));
      },
      // Version 13 locked tenants on every append and drew every position by a query.
      (s) =>
        rewriteFunction(s, 'append_events', [[LOCK_WHEN_NEEDED, 'IF true THEN']]) +
        rewriteFunction(s, 'take_positions', [[ONE_POSITION, 'IF false THEN']]),
    );
    expect(await functionText(url, schema, 'append_events')).not.toContain(LOCK_WHEN_NEEDED);
    expect(await functionText(url, schema, 'take_positions')).not.toContain(ONE_POSITION);

    const store = createPostgresEventStore({ connectionString: url, schema });
    try {
      const one = await store.append(streamAppend('s1', 2, 1));
      const two = await store.append(streamAppend('s2', 0, 2, { tenantId: 'acme' }));

      expect([...one, ...two].map((event) => event.position)).toEqual([3, 4, 5]);
      expect(withoutHashes(await store.readAll())).toEqual(
        withoutHashes([...written, ...one, ...two]),
      );
      expect(await functionText(url, schema, 'append_events')).toContain(LOCK_WHEN_NEEDED);
      expect(await functionText(url, schema, 'take_positions')).toContain(ONE_POSITION);
      expect(await recordedVersion(url, schema)).toBe(SCHEMA_VERSION);
    } finally {
      await store.close();
    }
  });
});
