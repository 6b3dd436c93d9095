import { describe, expect, it } from 'vitest';
import {
  CustomerDataSource,
  createDatasource,
  DataSourceConfig,
  type DataSourceEvent,
  getDatasource,
  listDatasources,
  resetDatasourceRegistry,
} from '../../src/index.js';
import { PLAINTEXTS, SECRET_CONFIG, SECRETS, shownSecrets } from '../support/printed-secrets.js';
import { createTestRegistry, databaseInput } from '../support/registry-fixtures.js';

async function registryWithSecrets() {
  const { registry } = createTestRegistry();
  const source = await registry.register(databaseInput({ config: SECRET_CONFIG }));
  return { registry, source };
}

describe('a source the registry hands out, printed', () => {
  it('shows no secret when registered', async () => {
    const { source } = await registryWithSecrets();
    expect(shownSecrets(source)).toEqual({});
  });

  it('shows no secret from get and getByName', async () => {
    const { registry, source } = await registryWithSecrets();
    expect(shownSecrets(registry.get(source.sourceId))).toEqual({});
    expect(shownSecrets(registry.getByName('acme', 'Orders DB'))).toEqual({});
  });

  it('shows no secret in a list, as res.json(registry.list()) would send it', async () => {
    const { registry } = await registryWithSecrets();
    await registry.register(databaseInput({ name: 'Billing', config: SECRET_CONFIG }));
    expect(registry.list()).toHaveLength(2);
    expect(shownSecrets(registry.list())).toEqual({});
  });

  it('shows no secret nested in a response object', async () => {
    const { registry, source } = await registryWithSecrets();
    const response = { ok: true, data: { source, others: registry.list() } };
    expect(shownSecrets(response)).toEqual({});
  });

  it('shows no secret in its config printed alone', async () => {
    const { source } = await registryWithSecrets();
    expect(shownSecrets(source.config)).toEqual({});
  });

  it('shows no secret spread into a response with more fields', async () => {
    const { source } = await registryWithSecrets();
    expect(shownSecrets({ ...source, links: { self: `/sources/${source.sourceId}` } })).toEqual({});
  });

  it('shows no secret after each command that returns it', async () => {
    const { registry, source } = await registryWithSecrets();
    const id = source.sourceId;
    const returned = [
      await registry.update(id, { description: 'primary', config: SECRET_CONFIG }),
      await registry.updateConfig(id, { ...SECRET_CONFIG, port: 6543 }),
      await registry.activate(id),
      await registry.recordConnection(id),
      await registry.recordError(id, 'timeout'),
      await registry.addTag(id, 'prod'),
      await registry.grantAccess(id, 'admin'),
      await registry.deactivate(id),
    ];
    expect(returned.every((s) => s !== null)).toBe(true);
    expect(shownSecrets(returned)).toEqual({});
  });

  it('shows "***" where each secret is and null where there is none', async () => {
    const { registry } = createTestRegistry();
    const source = await registry.register(
      databaseInput({ config: { host: 'h', password: SECRETS.password } }),
    );
    expect(JSON.parse(JSON.stringify(source)).config).toMatchObject({
      password: '***',
      apiKey: null,
      connectionString: null,
      oauthConfig: null,
    });
  });
});

describe('a source the registry hands out, used as data', () => {
  it('gives the plaintext secrets on property access, to connect with', async () => {
    const { registry, source } = await registryWithSecrets();
    const config = registry.get(source.sourceId)?.config;
    expect(config?.password).toBe(SECRETS.password);
    expect(config?.apiKey).toBe(SECRETS.apiKey);
    expect(config?.connectionString).toBe(SECRETS.connectionString);
    expect(config?.oauthConfig).toEqual({
      clientSecret: SECRETS.oauthSecret,
      refreshToken: SECRETS.oauthRefresh,
    });
  });

  it('gives the plaintext through toDict with includeSecrets, and "***" without', async () => {
    const { source } = await registryWithSecrets();
    const shown = JSON.stringify(CustomerDataSource.toDict(source, { includeSecrets: true }));
    expect(shown).toContain(SECRETS.password);
    expect(JSON.stringify(CustomerDataSource.toDict(source))).not.toContain(SECRETS.password);
  });

  it('keeps its keys, spreads and clones as plain data', async () => {
    const { source } = await registryWithSecrets();
    expect(Object.keys(source.config)).toContain('password');
    expect(structuredClone(source)).toEqual(source);
    expect(structuredClone(source).config.password).toBe(SECRETS.password);
  });

  it('is written back with its config, and the secrets stay as they were', async () => {
    const { registry, source } = await registryWithSecrets();
    const updated = await registry.updateConfig(source.sourceId, {
      ...source.config,
      port: 6543,
    });
    expect(updated?.config.password).toBe(SECRETS.password);
    expect(updated?.config.port).toBe(6543);
  });

  it('takes a config from DataSourceConfig.create as the input it stands for', async () => {
    const { registry } = createTestRegistry();
    const config = DataSourceConfig.create(SECRET_CONFIG);
    const source = await registry.register(databaseInput({ config }));
    expect(source.config.password).toBe(SECRETS.password);
    expect(source.config).toEqual(config);
  });
});

describe('the process-wide helpers', () => {
  it('hand out sources that show no secret', async () => {
    resetDatasourceRegistry();
    const created = await createDatasource('acme', 'Orders', 'database', SECRET_CONFIG);
    expect(shownSecrets([created, getDatasource(created.sourceId), listDatasources()])).toEqual({});
    resetDatasourceRegistry();
  });
});

describe('everything a registry hands out but the store', () => {
  it('shows "***" for every secret, however it is printed', async () => {
    const { registry, source } = await registryWithSecrets();
    const heard: DataSourceEvent[] = [];
    registry.on('*', (event) => heard.push(event));
    const updated = await registry.updateConfig(source.sourceId, {
      ...SECRET_CONFIG,
      database: 'orders',
    });

    const handedOut = {
      registered: source,
      updated,
      got: registry.get(source.sourceId),
      byName: registry.getByName('acme', 'Orders DB'),
      list: registry.list(),
      heard,
      history: await registry.history(source.sourceId),
      dict: CustomerDataSource.toDict(source),
      configDict: DataSourceConfig.toDict(source.config),
      masked: DataSourceConfig.masked(source.config),
      url: DataSourceConfig.getConnectionUrl(source.config, { maskSecrets: true }),
    };
    expect(heard).toHaveLength(1);
    expect(shownSecrets(handedOut)).toEqual({});
    expect(JSON.stringify(handedOut)).toContain('***');
    for (const secret of PLAINTEXTS) expect(JSON.stringify(handedOut)).not.toContain(secret);
  });
});
