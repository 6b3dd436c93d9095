import { afterAll, afterEach, expect, it } from 'vitest';
import {
  createMemoryEventStore,
  type DataSourceEvent,
  DataSourceRegistry,
  ErrorCode,
  type SubscriptionError,
} from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { SHARED_KEY } from '../support/children.js';
import { withFailingReads } from '../support/failing-reads.js';
import {
  adminQuery,
  describeWithPostgres,
  eventually,
  testSchemas,
  uniqueName,
  withApplicationName,
} from '../support/postgres.js';
import { databaseInput } from '../support/registry-fixtures.js';

it('reports a failed read of the log, retries it, and then hands over every event', async () => {
  const reads = withFailingReads(createMemoryEventStore());
  const registry = new DataSourceRegistry({ store: reads.store });
  await registry.register(databaseInput({ name: 'First' }));
  const failures: SubscriptionError[] = [];
  registry.on('subscriptionError', (failure) => {
    failures.push(failure);
  });
  const got: number[] = [];
  reads.failReads(true);

  const subscription = registry.subscribe({
    name: 'billing',
    handler: (event) => {
      got.push(event.position);
    },
  });
  await eventually(async () => failures.length >= 2, 'two failed reads reported');
  reads.failReads(false);
  await registry.register(databaseInput({ name: 'Second' }));

  await eventually(async () => got.length === 2, 'both events');
  expect(got).toEqual([1, 2]);
  expect(subscription.status).not.toBe('failed');
  expect(failures[0]).toMatchObject({ name: 'billing', event: null, attempt: 1 });
  expect(failures[1]?.attempt).toBe(2);
  expect(failures[0]?.error).toMatchObject({ code: ErrorCode.STORE_ERROR });
  expect(failures.every((failure) => failure.retryInMs !== null)).toBe(true);
  await registry.close();
});

describeWithPostgres('subscriptions when PostgreSQL connections are lost', (url) => {
  const schemas = testSchemas(url);
  const registries: DataSourceRegistry[] = [];
  afterEach(async () => {
    for (const registry of registries.splice(0)) await registry.close();
  });
  afterAll(() => schemas.dropAll());

  async function open(schema: string, application: string) {
    const registry = await DataSourceRegistry.open({
      store: createPostgresEventStore({
        connectionString: withApplicationName(url, application),
        schema,
        pollIntervalMs: 100,
      }),
      encryptionKey: SHARED_KEY,
    });
    registries.push(registry);
    return registry;
  }

  it('go on from their checkpoint after every connection of the subscriber was terminated', async () => {
    const schema = schemas.next('dsreg_subscription');
    const application = uniqueName('subscriber');
    const writer = await open(schema, uniqueName('writer'));
    const reader = await open(schema, application);
    reader.on('subscriptionError', () => {});
    await writer.register(databaseInput({ name: 'Before' }));
    const got: DataSourceEvent[] = [];
    const subscription = reader.subscribe({
      name: 'billing',
      handler: (event) => {
        got.push(event);
      },
    });
    await eventually(async () => subscription.status === 'live', 'the subscription to catch up');

    await adminQuery(
      url,
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [application],
    );
    for (let i = 0; i < 3; i++) await writer.register(databaseInput({ name: `After ${i}` }));

    await eventually(async () => got.length === 4, 'the events appended after the loss');
    expect(got.map((event) => event.position)).toEqual([1, 2, 3, 4]);
  });
});
