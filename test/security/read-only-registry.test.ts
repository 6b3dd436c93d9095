import { expect, it } from 'vitest';
import {
  CustomerDataSource,
  DataSourceConfig,
  DataSourceError,
  type DataSourceEvent,
  DataSourceType,
  ErrorCode,
} from '../../src/index.js';
import { eventually } from '../support/postgres.js';
import { describeEachDurableStore } from '../support/store-matrix.js';

const READ_ONLY = { readOnly: true, encryptionKey: undefined } as const;

const secretSource = {
  tenantId: 't1',
  name: 'orders',
  sourceType: DataSourceType.DATABASE,
  description: 'the orders database',
  tags: ['prod'],
  config: {
    host: 'db.example',
    port: 5432,
    username: 'app',
    password: 'hunter2',
    oauthConfig: { clientId: 'id-1', clientSecret: 's3cret' },
  },
};

async function failure(run: () => unknown): Promise<DataSourceError> {
  const error = await (async () => run())().then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(DataSourceError);
  return error as DataSourceError;
}

describeEachDurableStore('a registry opened read-only, without the key', (harness) => {
  it('replays every non-secret field of a log written with the key', async () => {
    const { registry, reopen } = await harness.createRegistry();
    const written = await registry.register(secretSource);
    await registry.activate(written.sourceId);

    const reader = await reopen(READ_ONLY);
    const source = reader.get(written.sourceId);

    expect(source?.status).toBe('active');
    expect(source?.description).toBe('the orders database');
    expect(source?.config.host).toBe('db.example');
    expect(source?.config.username).toBe('app');
    expect(reader.getStatistics().activeSources).toBe(1);
  });

  it('reads every secret as "***"', async () => {
    const { registry, reopen } = await harness.createRegistry();
    const written = await registry.register(secretSource);

    const config = (await reopen(READ_ONLY)).get(written.sourceId)?.config;

    expect(config?.password).toBe('***');
    expect(config?.oauthConfig).toEqual({ clientId: '***', clientSecret: '***' });
    expect(config?.apiKey).toBeNull();
  });

  it('refuses every command with FORBIDDEN and appends nothing', async () => {
    const { registry, store, reopen } = await harness.createRegistry();
    const written = await registry.register(secretSource);
    const reader = await reopen(READ_ONLY);
    const head = await store.head();

    const refusals = await Promise.all([
      failure(() => reader.register({ ...secretSource, name: 'other', config: {} })),
      failure(() => reader.activate(written.sourceId)),
      failure(() => reader.addTag(written.sourceId, 'x')),
      failure(() => reader.delete(written.sourceId)),
      failure(() => reader.clearTenant('t1')),
    ]);

    expect(refusals.map((error) => error.code)).toEqual(Array(5).fill(ErrorCode.FORBIDDEN));
    expect(refusals[0]?.message).toMatch(/read-only/);
    expect(await store.head()).toBe(head);
  });

  it('gives SECRET_UNAVAILABLE for an unmasked connection URL, saying to open with the key', async () => {
    const { registry, reopen } = await harness.createRegistry();
    const written = await registry.register(secretSource);
    const config = (await reopen(READ_ONLY)).get(written.sourceId)?.config;
    if (!config) throw new Error('the source is missing');

    const error = await failure(() => DataSourceConfig.getConnectionUrl(config));

    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(error.message).toMatch(/with the key/);
    expect(DataSourceConfig.getConnectionUrl(config, { maskSecrets: true })).toBe(
      'app:***@db.example:5432',
    );
  });

  it('gives SECRET_UNAVAILABLE for toDict with secrets, and the masked dict without', async () => {
    const { registry, reopen } = await harness.createRegistry();
    const written = await registry.register(secretSource);
    const source = (await reopen(READ_ONLY)).get(written.sourceId);
    if (!source) throw new Error('the source is missing');

    const error = await failure(() => CustomerDataSource.toDict(source, { includeSecrets: true }));

    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(CustomerDataSource.toDict(source).config).toMatchObject({ password: '***' });
  });

  it('hears the events the keyed registry appends, and reads history', async () => {
    const { registry, reopen } = await harness.createRegistry();
    const reader = await reopen(READ_ONLY);
    const heard: DataSourceEvent[] = [];
    reader.on('*', (event) => heard.push(event));

    const written = await registry.register(secretSource);

    await eventually(
      async () => heard.length === 1 || undefined,
      'the reader hears the registration',
    );
    expect(heard[0]?.data).toMatchObject({ config: { password: '***' } });
    const history = await reader.history(written.sourceId);
    expect(history.map((event) => event.type)).toEqual(['DataSourceRegistered']);
  });

  it('never pins the key ring of a new log', async () => {
    const { store, reopen, openStore } = await harness.createRegistry(READ_ONLY);
    const another = openStore();

    await reopen(READ_ONLY);

    expect(await another.pinKeyRing?.([])).toEqual([]);
    expect(await store.head()).toBe(0);
  });

  it('never adds to the key ring of a log written with a key', async () => {
    const { store, reopen } = await harness.createRegistry();
    const ring = await store.pinKeyRing?.([]);

    await reopen(READ_ONLY);

    expect(await store.pinKeyRing?.([])).toEqual(ring);
  });
});
