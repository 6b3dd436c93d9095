/**
 * Everything the Python module `datasource_model.py` did, and how it is done
 * here (docs/migrating-from-python.md). Each describe names the Python call it stands for.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CustomerDataSource,
  createDatasource,
  DataSourceConfig,
  DataSourceError,
  DataSourceStats,
  DataSourceStatus,
  DataSourceType,
  ErrorCode,
  getDatasource,
  getDatasourceRegistry,
  listDatasources,
  resetDatasourceRegistry,
} from '../../src/index.js';
import {
  databaseInput,
  failsWith,
  failureOf,
  isDeeplyFrozen,
  PLAINTEXT_PASSWORD,
} from '../support/registry-fixtures.js';
import { describeEachStore } from '../support/store-matrix.js';

describe('the enums', () => {
  it('DataSourceType has the values of the Python enum', () => {
    expect(Object.values(DataSourceType)).toEqual([
      'database',
      'document',
      'file',
      'vector',
      'api',
      'stream',
      'custom',
    ]);
  });

  it('DataSourceStatus has the values of the Python enum', () => {
    expect(Object.values(DataSourceStatus)).toEqual([
      'pending',
      'configuring',
      'active',
      'inactive',
      'error',
      'deprecated',
    ]);
  });
});

describe('the module-level singleton', () => {
  beforeEach(() => resetDatasourceRegistry());
  afterEach(() => resetDatasourceRegistry());

  describe('get_datasource_registry() → getDatasourceRegistry()', () => {
    it('returns the same registry on every call', () => {
      expect(getDatasourceRegistry()).toBe(getDatasourceRegistry());
    });

    it('returns an in-memory registry that is ready at once', () => {
      expect(getDatasourceRegistry().list()).toEqual([]);
    });
  });

  describe('_reset_registry() → resetDatasourceRegistry()', () => {
    it('makes the next getDatasourceRegistry() a new, empty registry', async () => {
      const before = getDatasourceRegistry();
      await createDatasource('acme', 'Orders DB', DataSourceType.DATABASE);

      resetDatasourceRegistry();

      expect(getDatasourceRegistry()).not.toBe(before);
      expect(listDatasources()).toEqual([]);
    });
  });

  describe('create_datasource(tenant_id, name, source_type, config) → createDatasource()', () => {
    it('registers a pending source on the process-wide registry', async () => {
      const source = await createDatasource('acme', 'Orders DB', DataSourceType.DATABASE);

      expect(source).toMatchObject({ tenantId: 'acme', name: 'Orders DB', status: 'pending' });
      expect(getDatasourceRegistry().get(source.sourceId)).toBe(source);
    });

    it('takes a DataSourceConfig', async () => {
      const config = DataSourceConfig.create({ host: 'db', port: 5432 });

      const source = await createDatasource('acme', 'Orders DB', DataSourceType.DATABASE, config);

      expect(source.config).toEqual(config);
    });

    it('takes the input of a config', async () => {
      const source = await createDatasource('acme', 'Orders DB', DataSourceType.DATABASE, {
        host: 'db',
      });

      expect(source.config).toEqual(DataSourceConfig.create({ host: 'db' }));
    });

    it('refuses a name the tenant already uses, with DUPLICATE_NAME', async () => {
      await createDatasource('acme', 'Orders DB', DataSourceType.DATABASE);

      await failsWith(
        () => createDatasource('acme', 'orders db', DataSourceType.DATABASE),
        ErrorCode.DUPLICATE_NAME,
      );
    });
  });

  describe('get_datasource(source_id) → getDatasource()', () => {
    it('returns the source with the id', async () => {
      const source = await createDatasource('acme', 'Orders DB', DataSourceType.DATABASE);

      expect(getDatasource(source.sourceId)).toBe(source);
    });

    it('returns null for an unknown id', () => {
      expect(getDatasource('nope')).toBeNull();
    });
  });

  describe('list_datasources(tenant_id, source_type) → listDatasources()', () => {
    beforeEach(async () => {
      await createDatasource('acme', 'Orders', DataSourceType.DATABASE);
      await createDatasource('acme', 'Docs', DataSourceType.DOCUMENT);
      await createDatasource('globex', 'Ledger', DataSourceType.DATABASE);
    });

    it('lists every source without arguments', () => {
      expect(listDatasources().map((s) => s.name)).toEqual(['Docs', 'Ledger', 'Orders']);
    });

    it("lists one tenant's sources", () => {
      expect(listDatasources('acme').map((s) => s.name)).toEqual(['Docs', 'Orders']);
    });

    it("lists one tenant's sources of one type", () => {
      expect(listDatasources('acme', DataSourceType.DATABASE).map((s) => s.name)).toEqual([
        'Orders',
      ]);
    });

    it('lists the sources of one type across tenants', () => {
      expect(listDatasources(undefined, DataSourceType.DATABASE).map((s) => s.name)).toEqual([
        'Ledger',
        'Orders',
      ]);
    });
  });
});

describe('DataSourceConfig(host=…) → DataSourceConfig.create()', () => {
  it('fills in the defaults of the Python dataclass', () => {
    expect(DataSourceConfig.create({ host: 'db' })).toMatchObject({
      host: 'db',
      port: null,
      poolSize: 5,
      poolTimeout: 30,
      maxRetries: 3,
      sslEnabled: false,
      sslVerify: true,
      sslCertPath: null,
      oauthConfig: null,
      options: {},
    });
  });

  it('gives a deeply frozen config', () => {
    expect(isDeeplyFrozen(DataSourceConfig.create({ options: { a: { b: 1 } } }))).toBe(true);
  });

  it.each([
    ['a port of 0', { port: 0 }, 'port'],
    ['a port above 65535', { port: 65_536 }, 'port'],
    ['a negative pool size', { poolSize: -1 }, 'poolSize'],
    ['a negative pool timeout', { poolTimeout: -5 }, 'poolTimeout'],
    ['a port given as a string', { port: '5432' }, 'port'],
  ])('refuses %s with INVALID_INPUT naming the field', async (_, input, path) => {
    const error = await failsWith(
      () => DataSourceConfig.create(input as never),
      ErrorCode.INVALID_INPUT,
    );

    expect(error.details.issues).toEqual([{ path, message: expect.any(String) }]);
  });
});

describe('config.to_dict(include_secrets) → DataSourceConfig.toDict()', () => {
  const config = DataSourceConfig.create({
    host: 'db',
    port: 5432,
    username: 'orders',
    password: PLAINTEXT_PASSWORD,
    apiKey: 'ak-1',
    oauthConfig: { clientSecret: 'cs' },
    sslEnabled: true,
  });

  it('has the snake_case keys of the Python dataclass, and no others', () => {
    expect(Object.keys(DataSourceConfig.toDict(config)).sort()).toEqual(
      [
        'connection_string',
        'host',
        'port',
        'username',
        'password',
        'database',
        'auth_type',
        'api_key',
        'oauth_config',
        'pool_size',
        'pool_timeout',
        'max_retries',
        'ssl_enabled',
        'ssl_verify',
        'ssl_cert_path',
        'options',
      ].sort(),
    );
  });

  it('shows "***" for the secrets by default, and null for secrets not set', () => {
    expect(DataSourceConfig.toDict(config)).toMatchObject({
      host: 'db',
      port: 5432,
      username: 'orders',
      password: '***',
      api_key: '***',
      oauth_config: { clientSecret: '***' },
      connection_string: null,
      ssl_enabled: true,
    });
  });

  it('shows the secrets with includeSecrets: true', () => {
    expect(DataSourceConfig.toDict(config, { includeSecrets: true })).toMatchObject({
      password: PLAINTEXT_PASSWORD,
      api_key: 'ak-1',
      oauth_config: { clientSecret: 'cs' },
    });
  });

  it('comes back as the same config through DataSourceConfig.fromDict', () => {
    const dict = DataSourceConfig.toDict(config, { includeSecrets: true });

    expect(DataSourceConfig.fromDict(dict)).toEqual(config);
  });
});

describe('config.get_connection_url() → DataSourceConfig.getConnectionUrl()', () => {
  it('joins user, password, host, port and database', () => {
    const config = DataSourceConfig.create({
      host: 'db.internal',
      port: 5432,
      username: 'orders',
      password: 'pw',
      database: 'shop',
    });

    expect(DataSourceConfig.getConnectionUrl(config)).toBe('orders:pw@db.internal:5432/shop');
  });

  it('percent-encodes the user and the password', () => {
    const config = DataSourceConfig.create({ host: 'db', username: 'a@b', password: 'p:w/d@1' });

    expect(DataSourceConfig.getConnectionUrl(config)).toBe('a%40b:p%3Aw%2Fd%401@db');
  });

  it('puts an IPv6 host in brackets', () => {
    const config = DataSourceConfig.create({ host: '::1', port: 5432 });

    expect(DataSourceConfig.getConnectionUrl(config)).toBe('[::1]:5432');
  });

  it('puts the scheme in front when given one', () => {
    const config = DataSourceConfig.create({ host: 'db', port: 5432 });

    expect(DataSourceConfig.getConnectionUrl(config, { scheme: 'postgresql' })).toBe(
      'postgresql://db:5432',
    );
  });

  it('shows "***" for the password with maskSecrets', () => {
    const config = DataSourceConfig.create({ host: 'db', username: 'u', password: 'pw' });

    expect(DataSourceConfig.getConnectionUrl(config, { maskSecrets: true })).toBe('u:***@db');
  });

  it('returns the connection string when there is one', () => {
    const config = DataSourceConfig.create({
      host: 'ignored',
      connectionString: 'postgres://u:pw@db:5432/shop',
    });

    expect(DataSourceConfig.getConnectionUrl(config)).toBe('postgres://u:pw@db:5432/shop');
  });

  it('returns null without a host or a connection string', () => {
    expect(DataSourceConfig.getConnectionUrl(DataSourceConfig.create({ port: 1 }))).toBeNull();
  });
});

describeEachStore("the entity's methods → registry commands", (harness) => {
  const methods = [
    ['record_connection()', 'recordConnection', { connectionCount: 1 }],
    ['record_error(msg)', 'recordError', { status: 'error', lastError: 'refused', errorCount: 1 }],
    ['activate()', 'activate', { status: 'active' }],
    ['deactivate()', 'deactivate', { status: 'inactive' }],
    ['deprecate()', 'deprecate', { status: 'deprecated' }],
    ['update_config(config)', 'updateConfig', { status: 'configuring' }],
    ['add_tag(tag)', 'addTag', { tags: ['prod', 'new'] }],
    ['remove_tag(tag)', 'removeTag', { tags: [] }],
    ['grant_access(role)', 'grantAccess', { accessRoles: ['admin', 'new'] }],
    ['revoke_access(role)', 'revokeAccess', { accessRoles: [] }],
  ] as const;

  async function call(method: (typeof methods)[number][1]) {
    const { registry } = await harness.createRegistry();
    const source = await registry.register(
      databaseInput({ tags: ['prod'], accessRoles: ['admin'] }),
    );
    const id = source.sourceId;
    const result = await {
      recordConnection: () => registry.recordConnection(id),
      recordError: () => registry.recordError(id, 'refused'),
      activate: () => registry.activate(id),
      deactivate: () => registry.deactivate(id),
      deprecate: () => registry.deprecate(id),
      updateConfig: () => registry.updateConfig(id, { host: 'moved' }),
      addTag: () => registry.addTag(id, 'new'),
      removeTag: () => registry.removeTag(id, 'prod'),
      grantAccess: () => registry.grantAccess(id, 'new'),
      revokeAccess: () => registry.revokeAccess(id, 'admin'),
    }[method]();
    return { registry, source, result };
  }

  it.each(methods)(
    'source.%s is registry.%s, which returns the changed source',
    async (_, method, effect) => {
      const { result } = await call(method);

      expect(result).toMatchObject(effect);
    },
  );

  it.each(methods)(
    'source.%s changes no snapshot handed out before (registry.%s)',
    async (_, method) => {
      const { source } = await call(method);

      expect(source).toMatchObject({
        status: 'pending',
        tags: ['prod'],
        accessRoles: ['admin'],
        connectionCount: 0,
        errorCount: 0,
        version: 1,
      });
    },
  );

  it.each(methods)(
    'source.%s changes state only through an event (registry.%s)',
    async (_, method) => {
      const { registry, source } = await call(method);

      expect(await registry.history(source.sourceId)).toHaveLength(2);
    },
  );
});

describeEachStore('registry.update(id, name=…) → registry.update(id, { name })', (harness) => {
  it('returns a new snapshot instead of changing the source in place', async () => {
    const { registry } = await harness.createRegistry();
    const source = await registry.register(databaseInput({ name: 'Orders DB' }));

    const renamed = await registry.update(source.sourceId, { name: 'Orders' });

    expect(renamed?.name).toBe('Orders');
    expect(source.name).toBe('Orders DB');
  });
});

describeEachStore('the rest of the Python registry', (harness) => {
  it('get_by_name(tenant_id, name) → getByName(tenantId, name)', async () => {
    const { registry } = await harness.createRegistry();
    const source = await registry.register(databaseInput({ name: 'Orders DB' }));

    expect(registry.getByName('acme', 'Orders DB')).toBe(source);
  });

  it('delete(source_id) → await delete(sourceId), true when it deleted something', async () => {
    const { registry } = await harness.createRegistry();
    const source = await registry.register(databaseInput());

    await expect(registry.delete(source.sourceId)).resolves.toBe(true);
    expect(registry.get(source.sourceId)).toBeNull();
  });

  it('clear_tenant(tenant_id) → await clearTenant(tenantId), the number deleted', async () => {
    const { registry } = await harness.createRegistry();
    await registry.register(databaseInput({ name: 'a' }));
    await registry.register(databaseInput({ name: 'b' }));

    await expect(registry.clearTenant('acme')).resolves.toBe(2);
  });

  it.runIf(!harness.durable)(
    'reset() → await reset(), which empties an in-memory registry',
    async () => {
      const { registry } = await harness.createRegistry();
      await registry.register(databaseInput());

      await registry.reset();

      expect(registry.count()).toBe(0);
    },
  );
});

describeEachStore(
  'source.has_access(role) → CustomerDataSource.hasAccess(source, role)',
  (harness) => {
    it('lets every role in when the source has no access roles', async () => {
      const { registry } = await harness.createRegistry();
      const source = await registry.register(databaseInput());

      expect(CustomerDataSource.hasAccess(source, 'anyone')).toBe(true);
    });

    it('lets in only the listed roles otherwise', async () => {
      const { registry } = await harness.createRegistry();
      const source = await registry.register(databaseInput({ accessRoles: ['admin', 'analyst'] }));

      expect(CustomerDataSource.hasAccess(source, 'analyst')).toBe(true);
      expect(CustomerDataSource.hasAccess(source, 'intern')).toBe(false);
    });
  },
);

describeEachStore('source.to_dict() → CustomerDataSource.toDict(source)', (harness) => {
  it('has the snake_case keys of the Python dataclass, secrets shown as "***"', async () => {
    const { registry, clock } = await harness.createRegistry();
    const source = await registry.register(
      databaseInput({ description: 'd', tags: ['prod'], ownerId: 'u-1' }),
    );

    expect(CustomerDataSource.toDict(source)).toEqual({
      source_id: source.sourceId,
      tenant_id: 'acme',
      name: 'Orders DB',
      source_type: 'database',
      config: DataSourceConfig.toDict(source.config),
      secret_fingerprints: { ...source.secretFingerprints },
      status: 'pending',
      description: 'd',
      tags: ['prod'],
      metadata: {},
      access_roles: [],
      owner_id: 'u-1',
      last_connected: null,
      last_error: null,
      connection_count: 0,
      error_count: 0,
      created_at: clock.iso(),
      updated_at: clock.iso(),
    });
    expect(JSON.stringify(CustomerDataSource.toDict(source))).not.toContain(PLAINTEXT_PASSWORD);
  });

  it('shows the secrets with includeSecrets: true', async () => {
    const { registry } = await harness.createRegistry();
    const source = await registry.register(databaseInput());

    const dict = CustomerDataSource.toDict(source, { includeSecrets: true });

    expect(dict.config).toMatchObject({ password: PLAINTEXT_PASSWORD });
  });
});

describeEachStore(
  'get_statistics().to_dict() → DataSourceStats.toDict(registry.getStatistics())',
  (harness) => {
    it('gives the snake_case statistics', async () => {
      const { registry } = await harness.createRegistry();
      const { sourceId } = await registry.register(databaseInput());
      await registry.activate(sourceId);
      await registry.recordConnection(sourceId);

      expect(DataSourceStats.toDict(registry.getStatistics())).toEqual({
        total_sources: 1,
        active_sources: 1,
        inactive_sources: 0,
        error_sources: 0,
        pending_sources: 0,
        configuring_sources: 0,
        deprecated_sources: 0,
        sources_by_type: { database: 1 },
        total_connections: 1,
        total_errors: 0,
      });
    });
  },
);

describeEachStore('DataSourceError.to_dict() → error.toDict()', (harness) => {
  it('has error, code, source_id and source_type', () => {
    const error = new DataSourceError('it broke', {
      code: ErrorCode.STORE_ERROR,
      sourceId: 's-1',
      sourceType: DataSourceType.API,
    });

    expect(error.toDict()).toEqual({
      error: 'it broke',
      code: 'STORE_ERROR',
      source_id: 's-1',
      source_type: 'api',
    });
  });

  it('adds details when there are some', () => {
    const error = new DataSourceError('bad', { details: { field: 'port' } });

    expect(error.toDict()).toMatchObject({ details: { field: 'port' } });
  });

  it('defaults to the DATASOURCE_ERROR code and null ids, like the Python exception', () => {
    expect(new DataSourceError('plain').toDict()).toEqual({
      error: 'plain',
      code: 'DATASOURCE_ERROR',
      source_id: null,
      source_type: null,
    });
  });

  it('is an Error named DataSourceError that keeps its cause', () => {
    const cause = new Error('driver');
    const error = new DataSourceError('wrapped', { cause });

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DataSourceError');
    expect(error.cause).toBe(cause);
  });

  it('of an error the registry throws names the source and its type', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await registry.deprecate(sourceId);

    const error = await failureOf(() => registry.activate(sourceId));

    expect(error.toDict()).toMatchObject({
      code: 'INVALID_TRANSITION',
      source_id: sourceId,
      source_type: 'database',
    });
  });
});
