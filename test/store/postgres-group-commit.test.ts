import { afterAll, expect, it } from 'vitest';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { hearDiagnostics } from '../support/diagnostics.js';
import { describeWithPostgres, testSchemas } from '../support/postgres.js';
import { streamAppend } from './conformance.js';

describeWithPostgres('group commit on PostgreSQL', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  it('takes at most 64 concurrent appends into one transaction', async () => {
    const store = createPostgresEventStore({ connectionString: url, schema: schemas.next() });
    try {
      await store.head();
      const heard = hearDiagnostics();

      await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.append(streamAppend(`s${i}`, 0))),
      );

      const sizes = heard.appends.map((message) => message.commands);
      expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(200);
      expect(Math.max(...sizes)).toBe(64);
      expect(await store.head()).toBe(200);
    } finally {
      await store.close();
    }
  });
});
