/**
 * Appends and data keys, on every store: an append names the data keys its
 * secrets are sealed under and is refused once one is destroyed, and a purge's
 * append destroys its tenant's keys in the same transaction, so the two can
 * never pass each other.
 */
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type DataSourceError, ErrorCode, type EventStore } from '../../src/index.js';
import { createMemoryEventStore } from '../../src/store/memory-store.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { detailsOf } from '../support/error-details.js';
import { describeWithPostgres, testSchemas } from '../support/postgres.js';
import { useTempDir } from '../support/temp-dir.js';
import { failure, streamAppend } from './conformance-fixtures.js';

type KeyStore = EventStore & Required<Pick<EventStore, 'readDataKeys' | 'createDataKey'>>;

const live = (keyId: string, tenantId: string) => ({ keyId, tenantId, wrappedKey: `w-${keyId}` });

function dataKeyAppendConformance(fresh: () => KeyStore) {
  const opened: KeyStore[] = [];
  const open = () => {
    const store = fresh();
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  it('writes an append sealed under a live key', async () => {
    const store = open();
    await store.createDataKey(live('k1', 'acme'));

    const stored = await store.append(streamAppend('s1', 0, 1, { sealedUnder: ['k1'] }));

    expect(stored).toHaveLength(1);
  });

  it('refuses an append sealed under a destroyed key, and writes nothing', async () => {
    const store = open();
    await store.createDataKey(live('k1', 'acme'));
    await store.destroyDataKeys?.('acme');

    const error = await failure(store.append(streamAppend('s1', 0, 1, { sealedUnder: ['k1'] })));

    expect(error.code).toBe(ErrorCode.CONCURRENCY_CONFLICT);
    expect(detailsOf(error)).toEqual({ reason: 'dataKey', dataKeyId: 'k1' });
    expect(await store.head()).toBe(0);
  });

  it('refuses an append sealed under a key it does not hold', async () => {
    const store = open();

    const error = await failure(store.append(streamAppend('s1', 0, 1, { sealedUnder: ['gone'] })));

    expect(detailsOf(error)).toEqual({ reason: 'dataKey', dataKeyId: 'gone' });
    expect(await store.readStream('s1')).toEqual([]);
  });

  it('destroys the tenant keys in the append that carries the purge, and no other tenant key', async () => {
    const store = open();
    await store.createDataKey(live('k1', 'acme'));
    await store.createDataKey(live('k2', 'globex'));

    await store.append(streamAppend('s1', 0, 1, { destroysDataKeysOf: 'acme' }));

    expect(await store.readDataKeys()).toEqual([
      { keyId: 'k1', tenantId: 'acme', wrappedKey: null },
      live('k2', 'globex'),
    ]);
  });

  it('keeps the keys when the append that would destroy them is refused', async () => {
    const store = open();
    await store.createDataKey(live('k1', 'acme'));

    await failure(store.append(streamAppend('s1', 3, 1, { destroysDataKeysOf: 'acme' })));

    expect(await store.readDataKeys('acme')).toEqual([live('k1', 'acme')]);
  });

  it('refuses in a batch the command sealed under a key an earlier command of it destroyed', async () => {
    const store = open();
    await store.createDataKey(live('k1', 'acme'));

    const outcomes = await store.appendBatch?.([
      streamAppend('purge', 0, 1, { destroysDataKeysOf: 'acme' }),
      streamAppend('late', 0, 1, { sealedUnder: ['k1'] }),
    ]);

    expect(outcomes?.map((outcome) => outcome.ok)).toEqual([true, false]);
    const refused = outcomes?.[1];
    expect(refused?.ok === false && detailsOf(refused.error as DataSourceError)).toEqual({
      reason: 'dataKey',
      dataKeyId: 'k1',
    });
    expect(await store.readStream('late')).toEqual([]);
  });

  it('checks each command of a batch against its own keys and destroys only its purge tenant', async () => {
    const store = open();
    await store.createDataKey(live('k1', 'acme'));
    await store.createDataKey(live('k2', 'globex'));

    const outcomes = await store.appendBatch?.([
      streamAppend('one', 0, 1, { sealedUnder: ['k1'] }),
      streamAppend('missing', 0, 2, { sealedUnder: ['k1', 'gone'] }),
      streamAppend('both', 0, 1, { sealedUnder: ['k2', 'k1'] }),
      streamAppend('purge', 0, 1, { destroysDataKeysOf: 'globex' }),
      streamAppend('after', 0, 1, { sealedUnder: ['k2'] }),
      streamAppend('acme', 0, 1, { sealedUnder: ['k1'] }),
    ]);

    const refusals = outcomes?.map((outcome) =>
      outcome.ok ? 'ok' : detailsOf(outcome.error as DataSourceError).dataKeyId,
    );
    expect(refusals).toEqual(['ok', 'gone', 'ok', 'ok', 'k2', 'ok']);
    expect(await store.readDataKeys()).toEqual([
      live('k1', 'acme'),
      { keyId: 'k2', tenantId: 'globex', wrappedKey: null },
    ]);
  });

  it('refuses malformed data-key fields with INVALID_INPUT and writes nothing', async () => {
    const store = open();

    const badIds = await failure(store.append(streamAppend('s1', 0, 1, { sealedUnder: [''] })));
    const badTenant = await failure(
      store.append(streamAppend('s1', 0, 1, { destroysDataKeysOf: '' })),
    );

    expect([badIds.code, badTenant.code]).toEqual([
      ErrorCode.INVALID_INPUT,
      ErrorCode.INVALID_INPUT,
    ]);
    expect(await store.head()).toBe(0);
  });
}

describe('appends and data keys in a memory store', () => {
  dataKeyAppendConformance(() => createMemoryEventStore());
});

describe('appends and data keys in a SQLite file', () => {
  const tempDir = useTempDir('data-key-appends-');
  dataKeyAppendConformance(() => createSqliteEventStore({ filename: join(tempDir(), 'log.db') }));
});

describeWithPostgres('appends and data keys in PostgreSQL', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());
  dataKeyAppendConformance(() =>
    createPostgresEventStore({ connectionString: url, schema: schemas.next('dsreg_key_appends') }),
  );

  it('refuses an append that waited on a purge destroying its key, once the purge commits', async () => {
    const schema = schemas.next('dsreg_key_wait');
    const store = createPostgresEventStore({ connectionString: url, schema });
    await store.createDataKey(live('k1', 'acme'));
    // A purge in flight: its transaction has destroyed the key and not committed yet.
    const purge = new pg.Client({ connectionString: url });
    await purge.connect();
    try {
      await purge.query('BEGIN');
      await purge.query(
        `UPDATE ${quoteIdentifier(schema)}.data_keys SET wrapped_key = NULL WHERE tenant_id = 'acme'`,
      );
      const append = store.append(streamAppend('s1', 0, 1, { sealedUnder: ['k1'] }));
      const settled = append.then(
        () => 'written',
        () => 'refused',
      );
      // The append waits on the key's row while the purge holds it.
      const early = await Promise.race([settled, sleep(300).then(() => 'waiting')]);
      await purge.query('COMMIT');

      expect(early).toBe('waiting');
      expect(detailsOf(await failure(append))).toEqual({ reason: 'dataKey', dataKeyId: 'k1' });
      expect(await store.readStream('s1')).toEqual([]);
    } finally {
      await purge.end();
      await store.close();
    }
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
