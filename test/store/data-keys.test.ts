import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, type EventStore } from '../../src/index.js';
import type { DataKeyRecord } from '../../src/store/data-keys.js';
import { createMemoryEventStore } from '../../src/store/memory-store.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { describeWithPostgres, testSchemas } from '../support/postgres.js';
import { useTempDir } from '../support/temp-dir.js';

type KeyStore = EventStore &
  Required<
    Pick<EventStore, 'readDataKeys' | 'createDataKey' | 'rewrapDataKeys' | 'destroyDataKeys'>
  >;

const key = (
  keyId: string,
  tenantId: string,
  wrappedKey: string | null = `w-${keyId}`,
): DataKeyRecord => ({
  keyId,
  tenantId,
  wrappedKey,
});

/** The data-key rules every store keeps; `open` makes a new store object on one fresh log per call of `fresh`. */
function dataKeyConformance(fresh: () => { open: () => KeyStore }) {
  const opened: KeyStore[] = [];
  const track = (store: KeyStore) => {
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  it('keeps the first key created for a tenant and hands it back to a later creator', async () => {
    const store = track(fresh().open());

    const first = await store.createDataKey(key('k1', 'acme'));
    const second = await store.createDataKey(key('k2', 'acme'));

    expect(first).toEqual(key('k1', 'acme'));
    expect(second).toEqual(key('k1', 'acme'));
    expect(await store.readDataKeys('acme')).toEqual([key('k1', 'acme')]);
  });

  it('agrees on one key when two store objects create a tenant first key at once', async () => {
    const log = fresh();
    const [a, b] = [track(log.open()), track(log.open())];

    const results = await Promise.all([
      a.createDataKey(key('ka', 'acme')),
      b.createDataKey(key('kb', 'acme')),
    ]);

    expect(results[0]).toEqual(results[1]);
    expect(await a.readDataKeys('acme')).toHaveLength(1);
  });

  it('destroys a tenant key by dropping its bytes and keeping its row', async () => {
    const store = track(fresh().open());
    await store.createDataKey(key('k1', 'acme'));
    await store.createDataKey(key('k2', 'globex'));

    const destroyed = await store.destroyDataKeys('acme');

    expect(destroyed).toBe(1);
    expect(await store.readDataKeys()).toEqual([key('k1', 'acme', null), key('k2', 'globex')]);
  });

  it('gives a purged tenant a new key on its next first secret', async () => {
    const store = track(fresh().open());
    await store.createDataKey(key('k1', 'acme'));
    await store.destroyDataKeys('acme');

    const next = await store.createDataKey(key('k2', 'acme'));

    expect(next).toEqual(key('k2', 'acme'));
  });

  it('rewraps every live key and leaves destroyed ones without a key', async () => {
    const store = track(fresh().open());
    await store.createDataKey(key('k1', 'acme'));
    await store.createDataKey(key('k2', 'globex'));
    await store.destroyDataKeys('globex');

    const count = await store.rewrapDataKeys((record) => `re-${record.wrappedKey}`);

    expect(count).toBe(1);
    expect(await store.readDataKeys()).toEqual([
      key('k1', 'acme', 're-w-k1'),
      key('k2', 'globex', null),
    ]);
  });

  it('changes no key when the rewrap of one fails', async () => {
    const store = track(fresh().open());
    await store.createDataKey(key('k1', 'acme'));
    await store.createDataKey(key('k2', 'globex'));

    const failure = await store
      .rewrapDataKeys((record) => {
        if (record.tenantId === 'globex') throw new Error('cannot open this one');
        return 'changed';
      })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(Error);
    expect(await store.readDataKeys()).toEqual([key('k1', 'acme'), key('k2', 'globex')]);
  });

  it('stores a destroyed key restored from a backup as destroyed', async () => {
    const store = track(fresh().open());

    const restored = await store.createDataKey(key('k1', 'acme', null));

    expect(restored).toEqual(key('k1', 'acme', null));
    expect(await store.readDataKeys('acme')).toEqual([key('k1', 'acme', null)]);
  });

  it('refuses a malformed key with INVALID_INPUT and stores nothing', async () => {
    const store = track(fresh().open());

    const failure = await store
      .createDataKey({ keyId: '', tenantId: 'acme', wrappedKey: 'w' })
      .catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: ErrorCode.INVALID_INPUT });
    expect(await store.readDataKeys()).toEqual([]);
  });
}

describe('data keys in a memory store', () => {
  dataKeyConformance(() => {
    const store = createMemoryEventStore();
    return { open: () => store };
  });
});

describe('data keys in a SQLite file', () => {
  const tempDir = useTempDir('data-keys-');
  dataKeyConformance(() => {
    const filename = join(tempDir(), 'log.sqlite');
    return { open: () => createSqliteEventStore({ filename }) };
  });
});

describeWithPostgres('data keys in PostgreSQL', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());
  dataKeyConformance(() => {
    const schema = schemas.next('dsreg_keys');
    return { open: () => createPostgresEventStore({ connectionString: url, schema }) };
  });
});
