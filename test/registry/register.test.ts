import { expect, it } from 'vitest';
import { DataSourceConfig, DataSourceType, ErrorCode } from '../../src/index.js';
import {
  databaseInput,
  failsWith,
  isDeeplyFrozen,
  PLAINTEXT_PASSWORD,
  T0,
} from '../support/registry-fixtures.js';
import { describeEachStore } from '../support/store-matrix.js';

describeEachStore('registry.register', (harness) => {
  it('registers a pending source with every default filled in', async () => {
    const { registry } = await harness.createRegistry();

    const source = await registry.register({
      tenantId: 'acme',
      name: 'Orders DB',
      sourceType: DataSourceType.DATABASE,
    });

    expect(source).toEqual({
      sourceId: 'id-000001',
      tenantId: 'acme',
      name: 'Orders DB',
      sourceType: 'database',
      config: {
        connectionString: null,
        host: null,
        port: null,
        username: null,
        password: null,
        database: null,
        authType: null,
        apiKey: null,
        oauthConfig: null,
        poolSize: 5,
        poolTimeout: 30,
        maxRetries: 3,
        sslEnabled: false,
        sslVerify: true,
        sslCertPath: null,
        options: {},
      },
      secretFingerprints: {},
      status: 'pending',
      description: null,
      tags: [],
      metadata: {},
      accessRoles: [],
      ownerId: null,
      lastConnected: null,
      lastError: null,
      connectionCount: 0,
      errorCount: 0,
      createdAt: T0,
      updatedAt: T0,
      version: 1,
    });
  });

  it('keeps the description, tags, metadata, access roles and owner it is given', async () => {
    const { registry } = await harness.createRegistry();

    const source = await registry.register(
      databaseInput({
        description: 'Primary orders database',
        tags: ['prod', 'eu'],
        metadata: { team: 'payments', tier: 1, replicas: ['a', 'b'] },
        accessRoles: ['admin', 'analyst'],
        ownerId: 'user-7',
      }),
    );

    expect(source).toMatchObject({
      description: 'Primary orders database',
      tags: ['prod', 'eu'],
      metadata: { team: 'payments', tier: 1, replicas: ['a', 'b'] },
      accessRoles: ['admin', 'analyst'],
      ownerId: 'user-7',
    });
  });

  it('trims the tenant, the name, the tags and the roles, and drops repeated tags and roles', async () => {
    const { registry } = await harness.createRegistry();

    const source = await registry.register(
      databaseInput({
        tenantId: '  acme ',
        name: ' Orders DB  ',
        tags: [' prod', 'prod ', 'eu'],
        accessRoles: ['admin', ' admin'],
      }),
    );

    expect(source).toMatchObject({
      tenantId: 'acme',
      name: 'Orders DB',
      tags: ['prod', 'eu'],
      accessRoles: ['admin'],
    });
  });

  it('fills in the defaults of a partial config', async () => {
    const { registry } = await harness.createRegistry();

    const source = await registry.register(databaseInput({ config: { host: 'db', port: 6543 } }));

    expect(source.config).toMatchObject({
      host: 'db',
      port: 6543,
      poolSize: 5,
      poolTimeout: 30,
      maxRetries: 3,
      sslEnabled: false,
      sslVerify: true,
      options: {},
    });
  });

  it('accepts a config made by DataSourceConfig.create', async () => {
    const { registry } = await harness.createRegistry();
    const config = DataSourceConfig.create({ host: 'vectors.internal', poolSize: 12 });

    const source = await registry.register(
      databaseInput({ sourceType: DataSourceType.VECTOR, config }),
    );

    expect(source.config).toEqual(config);
  });

  it('keeps the secrets of the config in the snapshot it hands back', async () => {
    const { registry } = await harness.createRegistry();

    const source = await registry.register(databaseInput());

    expect(source.config.password).toBe(PLAINTEXT_PASSWORD);
  });

  it('hands back a deeply frozen snapshot', async () => {
    const { registry } = await harness.createRegistry();

    const source = await registry.register(
      databaseInput({ tags: ['prod'], metadata: { nested: { deep: [1, 2] } } }),
    );

    expect(isDeeplyFrozen(source)).toBe(true);
  });

  it('hands back the same snapshot that get() returns afterwards', async () => {
    const { registry } = await harness.createRegistry();

    const source = await registry.register(databaseInput());

    expect(registry.get(source.sourceId)).toBe(source);
  });

  it('appends one DataSourceRegistered event at the next position', async () => {
    const { registry } = await harness.createRegistry();

    const source = await registry.register(databaseInput());

    const history = await registry.history(source.sourceId);
    expect(history.map((event) => [event.type, event.streamVersion, event.position])).toEqual([
      ['DataSourceRegistered', 1, 1],
    ]);
    expect(registry.position).toBe(1);
  });

  it('takes the time of the registration from the registry clock', async () => {
    const { registry, clock } = await harness.createRegistry();
    clock.advance(90_000);

    const source = await registry.register(databaseInput());

    expect(source.createdAt).toBe('2024-03-01T09:01:30.000Z');
    expect(source.updatedAt).toBe(source.createdAt);
  });

  it('uses the sourceId it is given', async () => {
    const { registry } = await harness.createRegistry();

    const source = await registry.register(databaseInput({ sourceId: 'orders-primary' }));

    expect(source.sourceId).toBe('orders-primary');
    expect(registry.get('orders-primary')).toBe(source);
  });

  it('makes a new id for each source when none is given', async () => {
    const { registry } = await harness.createRegistry();

    const first = await registry.register(databaseInput({ name: 'First' }));
    const second = await registry.register(databaseInput({ name: 'Second' }));

    expect(first.sourceId).not.toBe(second.sourceId);
  });

  it('refuses the id of a live source with DUPLICATE_ID', async () => {
    const { registry } = await harness.createRegistry();
    await registry.register(databaseInput({ sourceId: 'orders', name: 'Orders' }));

    await failsWith(
      () => registry.register(databaseInput({ sourceId: 'orders', name: 'Other' })),
      ErrorCode.DUPLICATE_ID,
    );
  });

  it('refuses the id of a deleted source with DUPLICATE_ID', async () => {
    const { registry } = await harness.createRegistry();
    await registry.register(databaseInput({ sourceId: 'orders' }));
    await registry.delete('orders');

    await failsWith(
      () => registry.register(databaseInput({ sourceId: 'orders' })),
      ErrorCode.DUPLICATE_ID,
    );
  });

  it('refuses a name the tenant already uses with DUPLICATE_NAME, naming the holder', async () => {
    const { registry } = await harness.createRegistry();
    const holder = await registry.register(databaseInput({ name: 'Orders DB' }));

    const error = await failsWith(
      () => registry.register(databaseInput({ name: 'Orders DB' })),
      ErrorCode.DUPLICATE_NAME,
    );

    expect(error.details).toMatchObject({ tenantId: 'acme', heldBy: holder.sourceId });
  });

  it.each([
    ['surrounding whitespace', '  Orders DB\t'],
    ['letter case', 'ORDERS db'],
    ['Unicode normalization (NFD against NFC)', 'Cafe\u0301 Orders'],
  ])('compares names regardless of %s', async (_, duplicate) => {
    const { registry } = await harness.createRegistry();
    await registry.register(databaseInput({ name: 'Orders DB' }));
    await registry.register(databaseInput({ name: 'Caf\u00e9 Orders' }));

    await failsWith(
      () => registry.register(databaseInput({ name: duplicate })),
      ErrorCode.DUPLICATE_NAME,
    );
  });

  it('allows the same name in another tenant', async () => {
    const { registry } = await harness.createRegistry();
    await registry.register(databaseInput({ tenantId: 'acme', name: 'Orders DB' }));

    const other = await registry.register(databaseInput({ tenantId: 'globex', name: 'Orders DB' }));

    expect(other.tenantId).toBe('globex');
  });

  it('allows a name again once the source that had it is deleted', async () => {
    const { registry } = await harness.createRegistry();
    const first = await registry.register(databaseInput({ name: 'Orders DB' }));
    await registry.delete(first.sourceId);

    const second = await registry.register(databaseInput({ name: 'orders db' }));

    expect(registry.getByName('acme', 'Orders DB')).toBe(second);
  });

  it('appends nothing when it refuses a registration', async () => {
    const { registry } = await harness.createRegistry();
    await registry.register(databaseInput({ name: 'Orders DB' }));

    await failsWith(
      () => registry.register(databaseInput({ name: 'Orders DB' })),
      ErrorCode.DUPLICATE_NAME,
    );

    expect(registry.position).toBe(1);
    expect(registry.count()).toBe(1);
  });

  it('refuses "***" as a secret of a new source, since there is no stored secret to keep', async () => {
    const { registry } = await harness.createRegistry();

    const error = await failsWith(
      () => registry.register(databaseInput({ config: { password: '***' } })),
      ErrorCode.INVALID_INPUT,
    );

    expect(error.details.issues).toEqual([
      { path: 'config.password', message: expect.any(String) },
    ]);
  });

  it('refuses a misspelt config key with INVALID_INPUT instead of dropping it', async () => {
    const { registry } = await harness.createRegistry();

    const error = await failsWith(
      () =>
        registry.register({
          tenantId: 'acme',
          name: 'Orders DB',
          sourceType: 'database',
          config: { pasword: 'x' } as never,
        }),
      ErrorCode.INVALID_INPUT,
    );

    expect(JSON.stringify(error.details.issues)).toContain('pasword');
  });

  it('refuses a source type outside the enum with INVALID_INPUT', async () => {
    const { registry } = await harness.createRegistry();

    const error = await failsWith(
      () => registry.register(databaseInput({ sourceType: 'mainframe' as never })),
      ErrorCode.INVALID_INPUT,
    );

    expect(error.details.issues).toEqual([{ path: 'sourceType', message: expect.any(String) }]);
  });
});
