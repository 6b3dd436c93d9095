import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMemoryEventStore,
  DataSourceRegistry,
  DataSourceType,
  ErrorCode,
} from '../../src/index.js';
import { createSecretCipher, encryptionKeyId } from '../../src/security/secret-cipher.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { describeWithPostgres, testSchemas } from '../support/postgres.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('rotate-key-');

const source = (tenantId: string, name: string) => ({
  tenantId,
  name,
  sourceType: DataSourceType.DATABASE,
  config: { host: 'db.internal', password: `pw-${tenantId}-${name}` },
});

/** The master key id each data key is wrapped under, as the store holds them. */
async function wrappingKeyIds(store: { readDataKeys(): Promise<{ wrappedKey: string | null }[]> }) {
  return (await store.readDataKeys()).map((key) => key.wrappedKey?.split(':')[1] ?? null);
}

describe('rotating the master key of a SQLite log', () => {
  it('rewraps every data key under the new key, leaving the events as they were', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const registry = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      encryptionKey: oldKey,
    });
    await registry.register(source('acme', 'a'));
    await registry.register(source('globex', 'g'));
    const store = createSqliteEventStore({ filename });
    const eventsBefore = JSON.stringify(await store.readAll());

    const rewrapped = await registry.rotateEncryptionKey(newKey);

    expect(rewrapped).toBe(2);
    expect(await wrappingKeyIds(store)).toEqual([encryptionKeyId(newKey), encryptionKeyId(newKey)]);
    expect(JSON.stringify(await store.readAll())).toBe(eventsBefore);
    expect(await store.pinKeyRing([])).toContain(encryptionKeyId(newKey));
    await store.close();
    await registry.close();
  });

  it('lets the log be opened with the new key alone afterwards', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const registry = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      encryptionKey: oldKey,
    });
    const a = await registry.register(source('acme', 'a'));
    await registry.rotateEncryptionKey(newKey);
    const b = await registry.register(source('acme', 'b'));
    await registry.close();

    const reopened = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      encryptionKey: newKey,
    });

    expect(reopened.get(a.sourceId)?.config.password).toBe('pw-acme-a');
    expect(reopened.get(b.sourceId)?.config.password).toBe('pw-acme-b');
    await reopened.close();
  });

  it('changes no data key when one is wrapped under a key this instance does not hold', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const [key, newKey, otherKey] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const registry = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      encryptionKey: key,
    });
    await registry.register(source('acme', 'a'));
    const store = createSqliteEventStore({ filename });
    // A key some other instance wrapped under a master key this one never had.
    const foreign = createSecretCipher(otherKey).seal('not a key this instance can open', 'aad');
    await store.createDataKey({
      keyId: '00000000000000aa',
      tenantId: 'ghost',
      wrappedKey: foreign,
    });
    const before = await store.readDataKeys();

    const failure = await registry.rotateEncryptionKey(newKey).catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: ErrorCode.SECRET_UNAVAILABLE });
    expect(await store.readDataKeys()).toEqual(before);
    await store.close();
    await registry.close();
  });

  it('refuses a new key that is not 32 bytes with INVALID_INPUT, changing nothing', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const key = randomBytes(32);
    const registry = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      encryptionKey: key,
    });
    await registry.register(source('acme', 'a'));
    const store = createSqliteEventStore({ filename });

    const failure = await registry
      .rotateEncryptionKey(randomBytes(16))
      .catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: ErrorCode.INVALID_INPUT });
    expect(await wrappingKeyIds(store)).toEqual([encryptionKeyId(key)]);
    expect(await store.pinKeyRing([])).toEqual([encryptionKeyId(key)]);
    await store.close();
    await registry.close();
  });

  it('refuses anything but a key with INVALID_INPUT', async () => {
    const registry = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename: join(tempDir(), 'log.sqlite') }),
      encryptionKey: randomBytes(32),
    });
    const hostile: unknown[] = [
      null,
      42,
      {},
      [randomBytes(32)],
      'not base64!',
      new Uint8Array(32),
      new Proxy(
        {},
        {
          getPrototypeOf() {
            throw new Error('trap');
          },
        },
      ),
    ];

    const codes = [];
    for (const value of hostile) {
      const failure = await registry
        .rotateEncryptionKey(value as Uint8Array)
        .catch((error: unknown) => error);
      codes.push((failure as { code?: unknown }).code);
    }
    await registry.close();

    expect(codes).toEqual(hostile.map(() => ErrorCode.INVALID_INPUT));
  });

  it('is refused by a read-only registry with FORBIDDEN', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const reader = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      readOnly: true,
    });

    const failure = await reader.rotateEncryptionKey(randomBytes(32)).catch((e: unknown) => e);

    expect(failure).toMatchObject({ code: ErrorCode.FORBIDDEN });
    await reader.close();
  });
});

describe('rotating the master key of a memory registry', () => {
  it('adds the new key to the ring: there are no sealed secrets to rewrap', async () => {
    const store = createMemoryEventStore();
    const registry = new DataSourceRegistry({ store, encryptionKey: randomBytes(32) });
    const newKey = randomBytes(32);

    const rewrapped = await registry.rotateEncryptionKey(newKey);

    expect(rewrapped).toBe(0);
    expect(await store.pinKeyRing([])).toContain(encryptionKeyId(newKey));
  });

  it('is refused with SECRET_UNAVAILABLE without a key, and the ring is left as it was', async () => {
    const store = createMemoryEventStore();
    const registry = new DataSourceRegistry({ store });
    const newKey = randomBytes(32);

    const failure = await registry.rotateEncryptionKey(newKey).catch((error: unknown) => error);

    expect(failure).toMatchObject({
      code: ErrorCode.SECRET_UNAVAILABLE,
      message: expect.stringMatching(/^Cannot rotate the encryption key: this registry has none/),
    });
    expect(await store.pinKeyRing([])).not.toContain(encryptionKeyId(newKey));
  });

  it('refuses a value whose inspection throws with INVALID_INPUT that names newKey', async () => {
    const registry = new DataSourceRegistry({ encryptionKey: randomBytes(32) });
    const hostile = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('trap');
        },
      },
    );

    const failure = await registry
      .rotateEncryptionKey(hostile as Uint8Array)
      .catch((error: unknown) => error);

    expect(failure).toMatchObject({
      code: ErrorCode.INVALID_INPUT,
      message: 'Invalid newKey: must be a Uint8Array of 32 bytes or their base64',
      details: {
        issues: [{ path: 'newKey', message: 'must be a Uint8Array of 32 bytes or their base64' }],
      },
    });
  });

  it('passes on the refusal of a key of the wrong size unchanged', async () => {
    const registry = new DataSourceRegistry({ encryptionKey: randomBytes(32) });
    const failure = await registry
      .rotateEncryptionKey(randomBytes(16))
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: ErrorCode.INVALID_INPUT });
    expect((failure as Error).message).not.toContain(
      'must be a Uint8Array of 32 bytes or their base64',
    );
  });
});

describeWithPostgres('rotating the master key of a PostgreSQL log during traffic', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  it('fails no command of instances given [new, old], and the new key alone reads everything afterwards', async () => {
    const schema = schemas.next('dsreg_rotate');
    const store = () => createPostgresEventStore({ connectionString: url, schema });
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const seeding = await DataSourceRegistry.open({ store: store(), encryptionKey: oldKey });
    const tenants = ['t0', 't1', 't2', 't3', 't4', 't5'];
    for (const tenant of tenants) await seeding.register(source(tenant, 'seed'));
    await seeding.close();
    const instances = await Promise.all(
      [0, 1, 2].map(() =>
        DataSourceRegistry.open({ store: store(), encryptionKey: [newKey, oldKey] }),
      ),
    );

    let running = true;
    const failures: unknown[] = [];
    const traffic = instances.map(async (registry, i) => {
      let n = 0;
      while (running) {
        const tenant = tenants[(n + i) % tenants.length] as string;
        await registry
          .register(source(tenant, `i${i}-${n}`))
          .catch((e: unknown) => failures.push(e));
        await registry.refresh().catch((e: unknown) => failures.push(e));
        n += 1;
      }
      return n;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    const [rotator] = instances;
    await rotator?.rotateEncryptionKey(newKey);
    await new Promise((resolve) => setTimeout(resolve, 150));
    running = false;
    const written = await Promise.all(traffic);
    await Promise.all(instances.map((registry) => registry.close()));

    const restarted = await DataSourceRegistry.open({ store: store(), encryptionKey: newKey });
    const all = restarted.list({ limit: 10_000 });
    const keys = store();

    expect(failures).toEqual([]);
    expect(written.every((n) => n > 0)).toBe(true);
    expect(all).toHaveLength(tenants.length + written.reduce((a, b) => a + b, 0));
    for (const registered of all) {
      expect(registered.config.password).toBe(`pw-${registered.tenantId}-${registered.name}`);
    }
    expect(new Set(await wrappingKeyIds(keys))).toEqual(new Set([encryptionKeyId(newKey)]));
    await keys.close();
    await restarted.close();
  });
});
