import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CustomerDataSource,
  DataSourceConfig,
  DataSourceRegistry,
  exportLog,
} from '../../src/index.js';
import { databaseInput, recordEvents } from '../support/registry-fixtures.js';
import { describeEachDurableStore, describeEachStore } from '../support/store-matrix.js';
import { useTempDir } from '../support/temp-dir.js';

const SECRETS = {
  password: 'fp-password-value',
  apiKey: 'fp-api-key-value',
  connectionString: 'postgres://orders:fp-conn-pw@db/orders',
  oauthConfig: { clientId: 'fp-client-id', clientSecret: 'fp-client-secret' },
};
const PLAINTEXTS = [
  SECRETS.password,
  SECRETS.apiKey,
  'fp-conn-pw',
  SECRETS.oauthConfig.clientId,
  SECRETS.oauthConfig.clientSecret,
];
const FINGERPRINT = expect.stringMatching(/^[0-9a-f]{16}$/);

function register(registry: DataSourceRegistry, name: string, config: object = SECRETS) {
  return registry.register(databaseInput({ name, config: { host: 'db', ...config } }));
}

describeEachStore('secret fingerprints', (harness) => {
  it('are set for each secret field that is set, and only those', async () => {
    const { registry } = await harness.createRegistry();

    const source = await register(registry, 'orders', {
      password: SECRETS.password,
      oauthConfig: SECRETS.oauthConfig,
    });

    expect(source.secretFingerprints).toEqual({
      password: FINGERPRINT,
      'oauthConfig.clientId': FINGERPRINT,
      'oauthConfig.clientSecret': FINGERPRINT,
    });
  });

  it('appear in toDict as secret_fingerprints, without includeSecrets', async () => {
    const { registry } = await harness.createRegistry();
    const source = await register(registry, 'orders');

    const dict = CustomerDataSource.toDict(source);

    expect(dict.secret_fingerprints).toEqual(source.secretFingerprints);
    expect(Object.keys(dict.secret_fingerprints as object)).toHaveLength(5);
  });

  it('differ between fields that hold different secrets', async () => {
    const { registry } = await harness.createRegistry();
    const source = await register(registry, 'orders');

    const values = Object.values(source.secretFingerprints);

    expect(new Set(values).size).toBe(values.length);
  });

  it('are equal for fields of one source that hold the same secret', async () => {
    const { registry } = await harness.createRegistry();

    const source = await register(registry, 'orders', { password: 'shared', apiKey: 'shared' });

    expect(source.secretFingerprints.password).toBe(source.secretFingerprints.apiKey);
  });

  it('are equal for two sources that share a secret', async () => {
    const { registry } = await harness.createRegistry();

    const one = await register(registry, 'orders', { password: SECRETS.password });
    const two = await register(registry, 'billing', { apiKey: SECRETS.password });

    expect(one.secretFingerprints.password).toBe(two.secretFingerprints.apiKey);
  });

  it('change for the secret that changed, and only for it', async () => {
    const { registry } = await harness.createRegistry();
    const source = await register(registry, 'orders');

    const updated = await registry.updateConfig(source.sourceId, {
      host: 'db',
      ...SECRETS,
      password: 'a new password',
    });

    expect(updated?.secretFingerprints.password).not.toBe(source.secretFingerprints.password);
    expect({ ...updated?.secretFingerprints, password: null }).toEqual({
      ...source.secretFingerprints,
      password: null,
    });
  });

  it('stay the same when the config is written back with "***" in its secrets', async () => {
    const { registry } = await harness.createRegistry();
    const source = await register(registry, 'orders');
    const readBack = DataSourceConfig.fromDict(DataSourceConfig.toDict(source.config));

    const updated = await registry.updateConfig(source.sourceId, { ...readBack, host: 'replica' });

    expect(updated?.config.host).toBe('replica');
    expect(updated?.secretFingerprints).toEqual(source.secretFingerprints);
  });

  it('drop the fingerprint of a secret the new config no longer holds', async () => {
    const { registry } = await harness.createRegistry();
    const source = await register(registry, 'orders');

    const updated = await registry.updateConfig(source.sourceId, {
      host: 'db',
      password: SECRETS.password,
    });

    expect(updated?.secretFingerprints).toEqual({ password: source.secretFingerprints.password });
  });

  it('are the same after a restart', async () => {
    const { registry, reopen } = await harness.createRegistry();
    const source = await register(registry, 'orders');

    const restarted = await reopen();

    expect(restarted.get(source.sourceId)?.secretFingerprints).toEqual(source.secretFingerprints);
  });

  it('are the same in a registry opened read-only, without the key', async () => {
    const { registry, reopen } = await harness.createRegistry();
    const source = await register(registry, 'orders');

    const auditor = await reopen({ readOnly: true, encryptionKey: undefined });
    const seen = auditor.get(source.sourceId);

    expect(seen?.config.password).toBe('***');
    expect(seen?.secretFingerprints).toEqual(source.secretFingerprints);
    expect(CustomerDataSource.toDict(seen ?? source).secret_fingerprints).toEqual(
      source.secretFingerprints,
    );
  });

  it('differ for the same secret under different keys', async () => {
    const one = await harness.createRegistry({ encryptionKey: randomBytes(32) });
    const two = await harness.createRegistry({ encryptionKey: randomBytes(32) });

    const a = await register(one.registry, 'orders', { password: SECRETS.password });
    const b = await register(two.registry, 'orders', { password: SECRETS.password });

    expect(a.secretFingerprints.password).not.toBe(b.secretFingerprints.password);
  });

  it('are never the unkeyed SHA-256 of the secret, nor a prefix of it', async () => {
    const { registry } = await harness.createRegistry();
    const source = await register(registry, 'orders', { password: SECRETS.password });
    const unkeyed = createHash('sha256').update(SECRETS.password).digest('hex');

    expect(unkeyed.startsWith(source.secretFingerprints.password ?? '')).toBe(false);
  });

  it('reach listeners and history beside secrets shown as "***"', async () => {
    const { registry } = await harness.createRegistry();
    const events = recordEvents(registry);
    const source = await register(registry, 'orders');

    const [history] = await registry.history(source.sourceId);

    for (const event of [events[0], history]) {
      expect(event?.data).toMatchObject({
        config: { password: '***' },
        secretFingerprints: source.secretFingerprints,
      });
    }
  });
});

describeEachDurableStore('secret fingerprints at rest', (harness) => {
  const tempDir = useTempDir('fingerprints-');

  it('are stored beside ciphertext, and no secret is stored in plaintext', async () => {
    const { registry, openStore } = await harness.createRegistry();
    const source = await register(registry, 'orders');
    await registry.updateConfig(source.sourceId, { host: 'db', ...SECRETS, apiKey: 'fp-rotated' });

    const stored = JSON.stringify(await openStore().readAll());

    for (const fingerprint of Object.values(source.secretFingerprints)) {
      expect(stored).toContain(fingerprint);
    }
    for (const secret of [...PLAINTEXTS, 'fp-rotated']) expect(stored).not.toContain(secret);
  });

  it('are exported, in an audit export and a backup, and no secret is', async () => {
    const { registry, store } = await harness.createRegistry();
    const source = await register(registry, 'orders');

    for (const mode of ['audit', 'backup'] as const) {
      const output = join(tempDir(), `${mode}.ndjson`);
      await exportLog({ store, output, mode });
      const text = readFileSync(output, 'utf8');

      expect(text).toContain(source.secretFingerprints.password);
      for (const secret of PLAINTEXTS) expect(text).not.toContain(secret);
    }
  });
});

describeEachStore('secret fingerprints across a key change', (harness) => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('are kept for the secrets a config change leaves as they were', async () => {
    const { registry, reopen } = await harness.createRegistry({ encryptionKey: oldKey });
    const source = await register(registry, 'orders', { password: SECRETS.password });
    await registry.close();
    const rotated = await reopen({ encryptionKey: [newKey, oldKey] });

    const updated = await rotated.updateConfig(source.sourceId, {
      host: 'db',
      password: '***',
      apiKey: SECRETS.apiKey,
    });

    expect(updated?.secretFingerprints.password).toBe(source.secretFingerprints.password);
  });

  it('differ for the same secret entered again under the new key', async () => {
    const { registry, reopen } = await harness.createRegistry({ encryptionKey: oldKey });
    const before = await register(registry, 'orders', { password: SECRETS.password });
    await registry.close();
    const rotated = await reopen({ encryptionKey: [newKey, oldKey] });

    const after = await register(rotated, 'billing', { password: SECRETS.password });

    expect(after.secretFingerprints.password).not.toBe(before.secretFingerprints.password);
  });
});

describe('secret fingerprints without any key', () => {
  it('are stable within one memory registry and differ between two', async () => {
    const one = new DataSourceRegistry({ encryptionKey: undefined });
    const two = new DataSourceRegistry({ encryptionKey: undefined });

    const a = await register(one, 'orders', { password: SECRETS.password });
    const b = await register(one, 'billing', { password: SECRETS.password });
    const c = await register(two, 'orders', { password: SECRETS.password });

    expect(a.secretFingerprints.password).toBe(b.secretFingerprints.password);
    expect(a.secretFingerprints.password).not.toBe(c.secretFingerprints.password);
  });
});
