import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createMemoryEventStore,
  DataSourceError,
  DataSourceRegistry,
  DataSourceType,
  ErrorCode,
} from '../../src/index.js';
import { ENCRYPTION_KEY_ENV } from '../../src/security/encryption-key.js';
import { encryptionKeyId } from '../../src/security/secret-cipher.js';
import { detailsOf } from '../support/error-details.js';
import { describeEachStore, TEST_ENCRYPTION_KEY } from '../support/store-matrix.js';

const OTHER_KEY = randomBytes(32);

async function refusal(opening: Promise<unknown>): Promise<DataSourceError> {
  const error = await opening.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DataSourceError);
  return error as DataSourceError;
}

const withSecret = (name: string) => ({
  tenantId: 't1',
  name,
  sourceType: DataSourceType.DATABASE,
  config: { host: 'db.example', password: `pw-${name}` },
});

describeEachStore('a log shared by instances with different keys', (harness) => {
  const key = harness.durable ? TEST_ENCRYPTION_KEY : randomBytes(32);

  it('refuses an instance whose key the log does not accept, before it writes anything', async () => {
    const { registry, store, reopen } = await harness.createRegistry({ encryptionKey: key });
    await registry.register(withSecret('first'));
    const head = await store.head();

    const error = await refusal(reopen({ encryptionKey: OTHER_KEY }));

    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(await store.head()).toBe(head);
  });

  it('refuses a second instance with another key on a log that holds no secret yet', async () => {
    const { store, reopen } = await harness.createRegistry({ encryptionKey: key });

    const error = await refusal(reopen({ encryptionKey: OTHER_KEY }));

    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(await store.head()).toBe(0);
  });

  it('keeps the first instance working and both restartable after a refused instance', async () => {
    const { registry, reopen } = await harness.createRegistry({ encryptionKey: key });
    await refusal(reopen({ encryptionKey: OTHER_KEY }));

    const source = await registry.register(withSecret('after'));
    const restarted = await reopen({ encryptionKey: key });

    expect(restarted.get(source.sourceId)?.config.password).toBe('pw-after');
    expect((await refusal(reopen({ encryptionKey: OTHER_KEY }))).code).toBe(
      ErrorCode.SECRET_UNAVAILABLE,
    );
  });

  it('says which key ids the log accepts and how to join it', async () => {
    const { reopen } = await harness.createRegistry({ encryptionKey: key });

    const error = await refusal(reopen({ encryptionKey: OTHER_KEY }));

    const accepted = detailsOf(error).acceptedKeyIds as string[];
    expect(accepted).toHaveLength(1);
    expect(error.message).toContain(String(accepted[0]));
    expect(error.message).toMatch(/current key first/);
  });

  it('lets an instance holding [new, old] add its new key, after which a new-key instance opens', async () => {
    const { registry, reopen } = await harness.createRegistry({ encryptionKey: key });
    await registry.register({ tenantId: 't1', name: 'plain', sourceType: DataSourceType.API });

    await reopen({ encryptionKey: [OTHER_KEY, key] });
    const onlyNew = await reopen({ encryptionKey: OTHER_KEY });

    expect(onlyNew.count()).toBe(1);
  });

  it('opens secrets sealed under either listed key', async () => {
    const { registry, reopen } = await harness.createRegistry({ encryptionKey: key });
    const old = await registry.register(withSecret('old'));
    const joined = await reopen({ encryptionKey: [OTHER_KEY, key] });
    const fresh = await joined.register(withSecret('new'));

    const both = await reopen({ encryptionKey: [key, OTHER_KEY] });

    expect(both.get(old.sourceId)?.config.password).toBe('pw-old');
    expect(both.get(fresh.sourceId)?.config.password).toBe('pw-new');
  });

  it('lets an instance that still holds only the old key keep opening', async () => {
    const { reopen } = await harness.createRegistry({ encryptionKey: key });
    await reopen({ encryptionKey: [OTHER_KEY, key] });

    const oldOnly = await reopen({ encryptionKey: key });

    expect(oldOnly.position).toBeGreaterThanOrEqual(0);
  });
});

describeEachStore('encryption keys given to a registry', (harness) => {
  const key = harness.durable ? TEST_ENCRYPTION_KEY : randomBytes(32);

  it('refuses an all-zero key with INVALID_INPUT, writing nothing', async () => {
    const { store, reopen } = await harness.createRegistry({ encryptionKey: key });

    const error = await refusal(reopen({ encryptionKey: new Uint8Array(32) }));

    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(await store.pinKeyRing?.([])).toHaveLength(1);
  });

  it('refuses a malformed key in a list with INVALID_INPUT', async () => {
    const { reopen } = await harness.createRegistry({ encryptionKey: key });

    const error = await refusal(reopen({ encryptionKey: [key, 'not base64!'] }));

    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
  });

  it('takes [new, old] from DATASOURCE_REGISTRY_KEY and brings the new key in', async () => {
    const { store, reopen } = await harness.createRegistry({ encryptionKey: key });
    const before = process.env[ENCRYPTION_KEY_ENV];
    process.env[ENCRYPTION_KEY_ENV] =
      `${OTHER_KEY.toString('base64')},${Buffer.from(key).toString('base64')}`;
    try {
      await reopen({ encryptionKey: undefined });
    } finally {
      if (before === undefined) delete process.env[ENCRYPTION_KEY_ENV];
      else process.env[ENCRYPTION_KEY_ENV] = before;
    }

    expect(await store.pinKeyRing?.([])).toEqual([
      encryptionKeyId(key),
      encryptionKeyId(OTHER_KEY),
    ]);
  });
});

describe('a memory registry made without open()', () => {
  it('refuses an all-zero key though it encrypts nothing', () => {
    expect(() => new DataSourceRegistry({ encryptionKey: new Uint8Array(32) })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_INPUT }),
    );
  });

  it('refuses a second registry with another key on the same store', () => {
    const store = createMemoryEventStore();
    new DataSourceRegistry({ store, encryptionKey: randomBytes(32) });

    expect(() => new DataSourceRegistry({ store, encryptionKey: OTHER_KEY })).toThrow(
      expect.objectContaining({ code: ErrorCode.SECRET_UNAVAILABLE }),
    );
  });

  it('pins its key in a new store, and a registry without a key or read-only pins nothing', () => {
    const keyless = createMemoryEventStore();
    new DataSourceRegistry({ store: keyless });
    new DataSourceRegistry({ store: keyless, readOnly: true, encryptionKey: OTHER_KEY });
    expect(keyless.pinKeyRingSync([])).toEqual([]);

    const keyed = createMemoryEventStore();
    new DataSourceRegistry({ store: keyed, encryptionKey: OTHER_KEY });
    expect(keyed.pinKeyRingSync([])).toEqual([encryptionKeyId(OTHER_KEY)]);
  });
});
