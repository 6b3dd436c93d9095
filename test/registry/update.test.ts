import { expect, it } from 'vitest';
import { DataSourceConfig, ErrorCode } from '../../src/index.js';
import { plainJson } from '../support/plain.js';
import {
  databaseInput,
  failsWith,
  isDeeplyFrozen,
  PLAINTEXT_PASSWORD,
} from '../support/registry-fixtures.js';
import { describeEachStore, type StoreHarness } from '../support/store-matrix.js';

async function withSource(harness: StoreHarness, input = databaseInput()) {
  const fixture = await harness.createRegistry();
  const source = await fixture.registry.register(input);
  return { ...fixture, source };
}

describeEachStore('registry.update', (harness) => {
  it('renames a source', async () => {
    const { registry, source } = await withSource(harness);

    const renamed = await registry.update(source.sourceId, { name: 'Orders (primary)' });

    expect(renamed?.name).toBe('Orders (primary)');
    expect(registry.getByName('acme', 'Orders (primary)')).toBe(renamed);
  });

  it('frees the old name when renaming', async () => {
    const { registry, source } = await withSource(harness, databaseInput({ name: 'Orders DB' }));
    await registry.update(source.sourceId, { name: 'Orders archive' });

    const newcomer = await registry.register(databaseInput({ name: 'Orders DB' }));

    expect(registry.getByName('acme', 'Orders DB')).toBe(newcomer);
  });

  it('refuses a rename to a name another source of the tenant has, with DUPLICATE_NAME', async () => {
    const { registry, source } = await withSource(harness, databaseInput({ name: 'Orders DB' }));
    await registry.register(databaseInput({ name: 'Billing DB' }));

    await failsWith(
      () => registry.update(source.sourceId, { name: ' billing db ' }),
      ErrorCode.DUPLICATE_NAME,
    );
    expect(registry.get(source.sourceId)?.name).toBe('Orders DB');
  });

  it('allows a rename that only changes the letter case of its own name', async () => {
    const { registry, source } = await withSource(harness, databaseInput({ name: 'Orders DB' }));

    const renamed = await registry.update(source.sourceId, { name: 'ORDERS DB' });

    expect(renamed?.name).toBe('ORDERS DB');
  });

  it('changes the description', async () => {
    const { registry, source } = await withSource(harness);

    const updated = await registry.update(source.sourceId, {
      description: 'Orders of the EU shop',
    });

    expect(updated?.description).toBe('Orders of the EU shop');
  });

  it('clears the description with null', async () => {
    const { registry, source } = await withSource(harness, databaseInput({ description: 'old' }));

    const updated = await registry.update(source.sourceId, { description: null });

    expect(updated?.description).toBeNull();
  });

  it('replaces the config as a whole: keys left out go back to their defaults', async () => {
    const { registry, source } = await withSource(
      harness,
      databaseInput({ config: { host: 'db', port: 5432, password: 'pw', poolSize: 20 } }),
    );

    const updated = await registry.update(source.sourceId, { config: { host: 'db2' } });

    expect(updated?.config).toEqual(DataSourceConfig.create({ host: 'db2' }));
  });

  it('moves the source to configuring when the config changes', async () => {
    const { registry, source } = await withSource(harness);
    await registry.activate(source.sourceId);

    const updated = await registry.update(source.sourceId, { config: { host: 'db2' } });

    expect(updated?.status).toBe('configuring');
  });

  it('replaces the metadata as a whole', async () => {
    const { registry, source } = await withSource(
      harness,
      databaseInput({ metadata: { a: 1, b: 2 } }),
    );

    const updated = await registry.update(source.sourceId, { metadata: { c: 3 } });

    expect(updated?.metadata).toEqual({ c: 3 });
  });

  it('returns a new snapshot and never changes the old one', async () => {
    const { registry, source } = await withSource(harness, databaseInput({ metadata: { a: 1 } }));
    const before = plainJson(source);

    const updated = await registry.update(source.sourceId, {
      name: 'Renamed',
      description: 'new',
      metadata: { b: 2 },
      config: { host: 'elsewhere' },
    });

    expect(updated).not.toBe(source);
    expect(plainJson(source)).toBe(before);
    expect(isDeeplyFrozen(updated)).toBe(true);
  });

  it('appends one event per changed field, together', async () => {
    const { registry, source } = await withSource(harness);

    await registry.update(source.sourceId, {
      name: 'Renamed',
      description: 'new',
      config: { host: 'elsewhere' },
      metadata: { b: 2 },
    });

    const history = await registry.history(source.sourceId);
    expect(history.slice(1).map((event) => [event.type, event.position])).toEqual([
      ['DataSourceRenamed', 2],
      ['DataSourceDescriptionChanged', 3],
      ['DataSourceConfigUpdated', 4],
      ['DataSourceMetadataReplaced', 5],
    ]);
  });

  it('records the old and the new name in the DataSourceRenamed event', async () => {
    const { registry, source } = await withSource(harness, databaseInput({ name: 'Orders DB' }));

    await registry.update(source.sourceId, { name: 'Orders' });

    const history = await registry.history(source.sourceId);
    expect(history[1]?.data).toEqual({ from: 'Orders DB', to: 'Orders' });
  });

  it('moves updatedAt to the time of the change and keeps createdAt', async () => {
    const { registry, source, clock } = await withSource(harness);
    clock.advance(60_000);

    const updated = await registry.update(source.sourceId, { description: 'later' });

    expect(updated?.createdAt).toBe(source.createdAt);
    expect(updated?.updatedAt).toBe(clock.iso());
    expect(updated?.version).toBe(2);
  });

  it('refuses an unknown key with INVALID_INPUT', async () => {
    const { registry, source } = await withSource(harness);

    const error = await failsWith(
      () => registry.update(source.sourceId, { nmae: 'typo' } as never),
      ErrorCode.INVALID_INPUT,
    );

    expect(JSON.stringify(error.details.issues)).toContain('nmae');
  });
});

describeEachStore('registry.updateConfig', (harness) => {
  it('replaces the config and moves the source to configuring', async () => {
    const { registry, source } = await withSource(harness);

    const updated = await registry.updateConfig(source.sourceId, { host: 'replica', port: 5433 });

    expect(updated?.config).toEqual(DataSourceConfig.create({ host: 'replica', port: 5433 }));
    expect(updated?.status).toBe('configuring');
  });

  it('keeps the stored password when the new config carries "***" in its place', async () => {
    const { registry, source } = await withSource(harness);

    const updated = await registry.updateConfig(source.sourceId, {
      host: 'replica',
      password: '***',
    });

    expect(updated?.config.password).toBe(PLAINTEXT_PASSWORD);
  });

  it('keeps every stored secret when a config read back through toDict is written back', async () => {
    const { registry, source } = await withSource(
      harness,
      databaseInput({
        config: {
          host: 'db',
          password: PLAINTEXT_PASSWORD,
          apiKey: 'key-123',
          connectionString: 'postgres://u:pw@db/orders',
          oauthConfig: { clientSecret: 'oauth-secret' },
        },
      }),
    );
    const readBack = DataSourceConfig.fromDict(DataSourceConfig.toDict(source.config));

    const updated = await registry.updateConfig(source.sourceId, { ...readBack, poolSize: 9 });

    expect(updated?.config).toEqual({ ...source.config, poolSize: 9 });
  });

  it('refuses "***" for a secret that was never stored, with INVALID_INPUT', async () => {
    const { registry, source } = await withSource(
      harness,
      databaseInput({ config: { host: 'db' } }),
    );

    const error = await failsWith(
      () => registry.updateConfig(source.sourceId, { host: 'db', apiKey: '***' }),
      ErrorCode.INVALID_INPUT,
    );

    expect(error.details.issues).toEqual([{ path: 'config.apiKey', message: expect.any(String) }]);
  });

  it('accepts a config made by DataSourceConfig.create', async () => {
    const { registry, source } = await withSource(harness);
    const config = DataSourceConfig.create({ host: 'replica', sslEnabled: true });

    const updated = await registry.updateConfig(source.sourceId, config);

    expect(updated?.config).toEqual(config);
  });

  it('refuses a port outside 1-65535 with INVALID_INPUT', async () => {
    const { registry, source } = await withSource(harness);

    const error = await failsWith(
      () => registry.updateConfig(source.sourceId, { port: 70_000 }),
      ErrorCode.INVALID_INPUT,
    );

    expect(error.details.issues).toEqual([{ path: 'port', message: expect.any(String) }]);
  });

  it('is refused on a deprecated source with INVALID_TRANSITION', async () => {
    const { registry, source } = await withSource(harness);
    await registry.deprecate(source.sourceId);

    await failsWith(
      () => registry.updateConfig(source.sourceId, { host: 'replica' }),
      ErrorCode.INVALID_TRANSITION,
    );
  });
});
