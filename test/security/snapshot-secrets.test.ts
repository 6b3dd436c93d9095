/**
 * A snapshot holds no plaintext secret in a durable store: each tenant's
 * secrets are sealed together under its data key, bound to the snapshot and
 * the tenant, each value keyed by its source and field inside the seal, and
 * a registry opened read-only without the key loads the snapshot with every
 * secret withheld, exactly as a replay of the events withholds them.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import {
  DataSourceConfig,
  DataSourceRegistry,
  DataSourceType,
  ErrorCode,
} from '../../src/index.js';
import { secretAad } from '../../src/security/event-secrets.js';
import { createSecretCipher } from '../../src/security/secret-cipher.js';
import {
  snapshotSecretsReader,
  snapshotSecretsWriter,
} from '../../src/security/snapshot-secret-bundles.js';
import { createSnapshotSealer, snapshotBundleAad } from '../../src/security/snapshot-secrets.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { failsWith } from '../support/registry-fixtures.js';
import { answersOf, hearSnapshots, openFullReplay } from '../support/snapshots.js';
import { describeEachDurableStore, TEST_ENCRYPTION_KEY } from '../support/store-matrix.js';
import { useTempDir } from '../support/temp-dir.js';

const SECRETS = ['snap-pa55word-9f1c', 'snap-api-key-77d2', 'snap-oauth-secret-e5a0'] as const;

const secretInput = {
  tenantId: 'acme',
  name: 'Orders',
  sourceType: DataSourceType.DATABASE,
  config: {
    host: 'db.acme.internal',
    password: SECRETS[0],
    apiKey: SECRETS[1],
    oauthConfig: { clientId: 'public-id', clientSecret: SECRETS[2] },
  },
};

const tempDir = useTempDir('snapshot-secrets-');

it('leaves no plaintext secret in the SQLite files after a snapshot', async () => {
  const filename = join(tempDir(), 'log.db');
  const key = randomBytes(32);
  const registry = await DataSourceRegistry.open({
    store: createSqliteEventStore({ filename }),
    encryptionKey: key,
  });
  const source = await registry.register(secretInput);
  await registry.activate(source.sourceId);
  const heard = hearSnapshots();
  await registry.snapshot();
  expect(heard).toMatchObject([{ action: 'written' }]);
  // Read while still open, WAL included, and again once closed and checkpointed.
  const files = () => readdirSync(dirname(filename)).map((name) => join(dirname(filename), name));
  const bytes = () => Buffer.concat(files().map((file) => readFileSync(file)));
  for (const secret of SECRETS) expect(bytes().includes(secret)).toBe(false);
  await registry.close();
  for (const secret of SECRETS) expect(bytes().includes(secret)).toBe(false);
  expect(bytes().includes('db.acme.internal')).toBe(true);
});

it('seals a tenant’s snapshot secrets bound to the snapshot and the tenant, apart from event secrets', () => {
  const cipher = createSecretCipher(randomBytes(32));
  const sealer = createSnapshotSealer(cipher);
  const bound = snapshotBundleAad('s2-format', 7, 'acme');
  const token = sealer.seal('acme', bound, '{"s1":{"password":"pw"}}');
  expect(sealer.open('acme', bound, token)).toBe('{"s1":{"password":"pw"}}');
  const elsewhere = [
    () => sealer.open('other', bound, token),
    () => sealer.open('acme', snapshotBundleAad('s2-format', 8, 'acme'), token),
    () => sealer.open('acme', snapshotBundleAad('s2-other', 7, 'acme'), token),
    () => sealer.open('acme', snapshotBundleAad('s2-format', 7, 'other'), token),
  ];
  for (const open of elsewhere) {
    expect(open).toThrow(expect.objectContaining({ code: ErrorCode.SECRET_UNAVAILABLE }));
  }
  const event = { tenantId: 'acme', sourceId: 's1' } as Parameters<typeof secretAad>[0];
  const eventToken = cipher.seal('"pw"', secretAad(event, ['config', 'password']));
  expect(() => sealer.open('acme', bound, eventToken)).toThrow(
    expect.objectContaining({ code: ErrorCode.SECRET_UNAVAILABLE }),
  );
});

/** A snapshot's secrets written under a master key with no tag over the whole, so only the bundles' own checks stand. */
function untaggedSnapshotSecrets() {
  const mode = {
    kind: 'sealed',
    sealer: createSnapshotSealer(createSecretCipher(randomBytes(32))),
    mac: null,
  } as const;
  const binding = { format: 's3-format', position: 7 };
  const writer = snapshotSecretsWriter(mode, binding);
  const plain = { password: null, apiKey: null, connectionString: null, oauthConfig: null };
  return { mode, binding, writer, plain };
}

it('refuses a sealed secret whose stand-in moved to another source, with no tag to check', async () => {
  const { mode, binding, writer, plain } = untaggedSnapshotSecrets();
  const orders = writer.config({ ...plain, password: 'pw' }, 'acme', 'orders');
  const billing = writer.config({ ...plain }, 'acme', 'billing');
  const reader = await snapshotSecretsReader(mode, binding, writer.seal());
  // Billing holds the stand-in orders had: the bundle's next secret is orders' password.
  expect(() => reader.config({ ...billing, password: orders.password }, 'acme', 'billing')).toThrow(
    expect.objectContaining({ code: ErrorCode.CORRUPT_LOG }),
  );
});

it('refuses a snapshot whose configs took fewer secrets than its bundles hold', async () => {
  const { mode, binding, writer, plain } = untaggedSnapshotSecrets();
  const orders = writer.config({ ...plain, password: 'pw', apiKey: 'key' }, 'acme', 'orders');
  const reader = await snapshotSecretsReader(mode, binding, writer.seal());
  expect(reader.config({ ...orders, apiKey: null }, 'acme', 'orders')).toMatchObject({
    password: 'pw',
  });
  expect(() => reader.finish()).toThrow(expect.objectContaining({ code: ErrorCode.CORRUPT_LOG }));
});

describeEachDurableStore('a snapshot read without the key', (harness) => {
  const READ_ONLY = { readOnly: true, encryptionKey: undefined } as const;

  it('loads, with every secret withheld as a replay of the events withholds it', async () => {
    const { registry, reopen, openStore } = await harness.createRegistry();
    const source = await registry.register(secretInput);
    await registry.snapshot();
    await registry.recordConnection(source.sourceId);

    const heard = hearSnapshots();
    const reader = await reopen(READ_ONLY);
    expect(heard).toMatchObject([{ action: 'loaded' }]);
    const replayed = await openFullReplay(openStore(), READ_ONLY);
    const scope = { ids: [source.sourceId], tenants: ['acme'], names: ['orders'] };
    expect(answersOf(reader, scope)).toBe(answersOf(replayed, scope));

    const config = reader.get(source.sourceId)?.config;
    expect(config?.password).toBe('***');
    expect(config?.oauthConfig).toEqual({ clientId: '***', clientSecret: '***' });
    await failsWith(
      () => DataSourceConfig.getConnectionUrl(config as DataSourceConfig),
      ErrorCode.SECRET_UNAVAILABLE,
    );
  });

  it('loads a snapshot taken before a purge with the state a replay of the events has', async () => {
    const { registry, reopen, openStore } = await harness.createRegistry();
    const source = await registry.register(secretInput);
    await registry.register({ ...secretInput, tenantId: 'globex' });
    await registry.snapshot();
    await registry.purgeTenant('acme');
    await registry.close();

    const heard = hearSnapshots();
    const reader = await reopen(READ_ONLY);
    expect(heard).toMatchObject([{ action: 'loaded' }]);
    const replayed = await openFullReplay(openStore(), READ_ONLY);
    const scope = { ids: [source.sourceId], tenants: ['acme', 'globex'], names: ['orders'] };
    expect(answersOf(reader, scope)).toBe(answersOf(replayed, scope));
    // The purge deleted acme's sources after the snapshot; globex keeps its secret, withheld.
    expect(reader.get(source.sourceId)).toBeNull();
    expect(reader.getByName('globex', 'orders')?.config.password).toBe('***');
  });

  it('keeps the secrets for a registry opened with the key', async () => {
    const { registry, reopen } = await harness.createRegistry();
    const source = await registry.register(secretInput);
    await registry.snapshot();

    const config = (await reopen()).get(source.sourceId)?.config;
    expect([config?.password, config?.apiKey, config?.oauthConfig?.clientSecret]).toEqual(SECRETS);
    expect(JSON.stringify(config)).not.toContain(SECRETS[0]);
  });
});

describeEachDurableStore('the stored snapshot', (harness) => {
  it('holds every secret sealed, never in plaintext', async () => {
    const { registry, store } = await harness.createRegistry();
    await registry.register(secretInput);
    await registry.snapshot();
    const text = Buffer.from((await store.readSnapshot?.())?.data ?? []).toString();
    expect(text).toContain('db.acme.internal');
    for (const secret of SECRETS) expect(text).not.toContain(secret);
    // password, apiKey and both oauthConfig values (every value of oauthConfig is a
    // secret) sealed together in one token, under the tenant's data key.
    const [dataKey] = (await store.readDataKeys?.('acme')) ?? [];
    expect(text.match(/"v2:/g)).toHaveLength(1);
    expect(text).toContain(`["acme","v2:${dataKey?.keyId}:`);
  });

  it('shreds the secrets of a purged tenant in a snapshot taken before the purge', async () => {
    const { registry, reopen, openStore, store } = await harness.createRegistry();
    const source = await registry.register(secretInput);
    await registry.register({ ...secretInput, tenantId: 'globex' });
    await registry.snapshot();
    const [acmeKey] = (await store.readDataKeys?.('acme')) ?? [];
    await registry.purgeTenant('acme');
    await registry.close();

    // The snapshot still holds acme's tokens, under a key the store no longer has.
    const after = openStore();
    const text = Buffer.from((await after.readSnapshot?.())?.data ?? []).toString();
    expect(text).toContain(`["acme","v2:${acmeKey?.keyId}:`);
    expect(await after.readDataKeys?.('acme')).toEqual([
      expect.objectContaining({ keyId: acmeKey?.keyId, wrappedKey: null }),
    ]);
    await after.close();

    const heard = hearSnapshots();
    const reopened = await reopen();
    expect(heard).toMatchObject([{ action: 'loaded' }]);
    const replayed = await openFullReplay(openStore(), { encryptionKey: TEST_ENCRYPTION_KEY });
    const scope = { ids: [source.sourceId], tenants: ['acme', 'globex'], names: ['orders'] };
    expect(answersOf(reopened, scope)).toBe(answersOf(replayed, scope));
    const globex = reopened.getByName('globex', 'orders')?.config;
    expect(globex?.password).toBe(SECRETS[0]);
  });

  it('seals a purged tenant’s later secrets under its new key, not the destroyed one', async () => {
    const { registry, reopen, store, openStore } = await harness.createRegistry();
    await registry.register(secretInput);
    await registry.snapshot();
    await registry.purgeTenant('acme');
    const later = await registry.register(secretInput);
    await registry.snapshot();
    const [, newKey] = (await store.readDataKeys?.('acme')) ?? [];
    const head = await store.head();
    await registry.close();

    const heard = hearSnapshots();
    const reopened = await reopen();

    expect(heard).toMatchObject([{ action: 'loaded', position: head }]);
    expect(reopened.get(later.sourceId)?.config.password).toBe(SECRETS[0]);
    const text = Buffer.from((await openStore().readSnapshot?.())?.data ?? []).toString();
    expect(text).toContain(`["acme","v2:${newKey?.keyId}:`);
  });
});
