import { expect, it } from 'vitest';
import {
  type DataSourceEvent,
  type DataSourceRegistry,
  ErrorCode,
  type Subscription,
  type SubscriptionError,
} from '../../src/index.js';
import { barrier } from '../support/barrier.js';
import { eventually } from '../support/postgres.js';
import {
  createTestRegistry,
  databaseInput,
  failsWith,
  isDeeplyFrozen,
  PLAINTEXT_PASSWORD,
  recordEvents,
} from '../support/registry-fixtures.js';
import { describeEachStore } from '../support/store-matrix.js';

/** A handler that keeps what it gets, and the events themselves. */
function collector() {
  const events: DataSourceEvent[] = [];
  return {
    events,
    handler: (event: DataSourceEvent) => {
      events.push(event);
    },
    positions: () => events.map((event) => event.position),
  };
}

async function until(subscription: Subscription, status: Subscription['status'], what: string) {
  await eventually(async () => subscription.status === status, `${what}: status ${status}`);
}

/** Three commands on one source of tenant acme: positions 1, 2, 3. */
async function threeEvents(registry: DataSourceRegistry, name = 'Orders DB') {
  const { sourceId } = await registry.register(databaseInput({ name }));
  await registry.activate(sourceId);
  await registry.addTag(sourceId, 'prod');
  return sourceId;
}

describeEachStore('subscriptions', (harness) => {
  it('hand over every event from the start in log order, as listeners get them', async () => {
    const { registry } = await harness.createRegistry();
    const heard = recordEvents(registry);
    await threeEvents(registry);
    const got = collector();

    const subscription = registry.subscribe({ name: 'billing', handler: got.handler });

    await eventually(async () => got.events.length === 3, 'three events');
    expect(got.events).toEqual(heard);
    expect(got.events.every(isDeeplyFrozen)).toBe(true);
    expect(JSON.stringify(got.events)).not.toContain(PLAINTEXT_PASSWORD);
    await until(subscription, 'live', 'caught up');
    expect(subscription.position).toBe(3);
  });

  it('follow events appended after they caught up', async () => {
    const { registry } = await harness.createRegistry();
    const got = collector();
    const subscription = registry.subscribe({ name: 'billing', handler: got.handler });
    await until(subscription, 'live', 'empty log read');

    await threeEvents(registry);

    await eventually(async () => got.events.length === 3, 'three live events');
    expect(got.positions()).toEqual([1, 2, 3]);
  });

  it("start after the head with from 'end'", async () => {
    const { registry } = await harness.createRegistry();
    await threeEvents(registry);
    const got = collector();
    const subscription = registry.subscribe({ name: 'tail', from: 'end', handler: got.handler });
    await until(subscription, 'live', 'at the head');

    const { sourceId } = await registry.register(databaseInput({ name: 'Later' }));

    await eventually(async () => got.events.length === 1, 'the later event');
    expect(got.events[0]?.sourceId).toBe(sourceId);
  });

  it('start after a position given as from', async () => {
    const { registry } = await harness.createRegistry();
    await threeEvents(registry);
    const got = collector();
    const subscription = registry.subscribe({ name: 'part', from: 1, handler: got.handler });
    await until(subscription, 'live', 'caught up');
    expect(got.positions()).toEqual([2, 3]);
  });

  it('hand over only the event types and the tenant of their filter, and checkpoint past the rest', async () => {
    const { registry, store } = await harness.createRegistry();
    const acme = await threeEvents(registry);
    await registry.register(databaseInput({ tenantId: 'globex' }));
    await registry.activate(acme, undefined);
    const got = collector();

    const subscription = registry.subscribe({
      name: 'acme-registrations',
      filter: { types: ['DataSourceRegistered', 'TagAdded'], tenantId: 'acme' },
      handler: got.handler,
    });

    await until(subscription, 'live', 'caught up');
    expect(got.events.map((event) => [event.type, event.tenantId])).toEqual([
      ['DataSourceRegistered', 'acme'],
      ['TagAdded', 'acme'],
    ]);
    expect(subscription.position).toBe(await store.head());
    expect(await store.readCheckpoint?.('acme-registrations')).toBe(await store.head());
  });

  it('hear the events another registry on the same log appends', async () => {
    const { registry, reopen } = await harness.createRegistry();
    const other = await reopen();
    const got = collector();
    const subscription = registry.subscribe({ name: 'billing', handler: got.handler });
    await until(subscription, 'live', 'empty log read');

    await threeEvents(other);

    await eventually(async () => got.events.length === 3, "the other registry's events");
    expect(got.positions()).toEqual([1, 2, 3]);
  });

  it('resume after the last event handled when opened again under the same name', async () => {
    const { registry, reopen } = await harness.createRegistry();
    await threeEvents(registry);
    const first = collector();
    const subscription = registry.subscribe({ name: 'billing', handler: first.handler });
    await until(subscription, 'live', 'first run caught up');
    await registry.close();

    const again = await reopen();
    await again.register(databaseInput({ name: 'Later' }));
    const second = collector();
    const resumed = again.subscribe({ name: 'billing', from: 'start', handler: second.handler });

    await until(resumed, 'live', 'second run caught up');
    expect(first.positions()).toEqual([1, 2, 3]);
    expect(second.positions()).toEqual([4]);
  });

  it('retry a failing handler, then hand the event over once it succeeds, in order', async () => {
    const { registry } = await harness.createRegistry();
    await threeEvents(registry);
    const got = collector();
    const failures: SubscriptionError[] = [];
    registry.on('subscriptionError', (failure) => {
      failures.push(failure);
    });
    let calls = 0;
    const subscription = registry.subscribe({
      name: 'flaky',
      retryDelayMs: 1,
      handler: (event) => {
        calls += 1;
        if (event.position === 2 && calls < 4) throw new Error('downstream unavailable');
        got.handler(event);
      },
    });

    await until(subscription, 'live', 'caught up');
    expect(got.positions()).toEqual([1, 2, 3]);
    expect(failures.map((failure) => [failure.attempt, failure.event?.position])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(failures.every((failure) => failure.retryInMs !== null)).toBe(true);
  });

  it('fail when the handler keeps failing, reporting the error and skipping nothing', async () => {
    const { registry, store } = await harness.createRegistry();
    await threeEvents(registry);
    const failures: SubscriptionError[] = [];
    registry.on('subscriptionError', (failure) => {
      failures.push(failure);
    });
    const got = collector();
    const subscription = registry.subscribe({
      name: 'broken',
      maxAttempts: 3,
      retryDelayMs: 1,
      handler: (event) => {
        if (event.position === 2) throw new Error('cannot index');
        got.handler(event);
      },
    });

    await until(subscription, 'failed', 'retries spent');
    expect((subscription.error as Error).message).toBe('cannot index');
    expect(got.positions()).toEqual([1]);
    expect(subscription.position).toBe(1);
    expect(await store.readCheckpoint?.('broken')).toBe(1);
    expect(failures.map((failure) => failure.retryInMs === null)).toEqual([false, false, true]);
    expect(failures.at(-1)).toMatchObject({ name: 'broken', attempt: 3 });
    expect(failures.at(-1)?.event?.position).toBe(2);
  });

  it('resume from the event they failed on after restart()', async () => {
    const { registry } = await harness.createRegistry();
    await threeEvents(registry);
    registry.on('subscriptionError', () => {});
    let healthy = false;
    const got = collector();
    const subscription = registry.subscribe({
      name: 'broken',
      maxAttempts: 1,
      handler: (event) => {
        if (!healthy && event.position === 2) throw new Error('cannot index');
        got.handler(event);
      },
    });
    await until(subscription, 'failed', 'first failure');

    healthy = true;
    subscription.restart();

    await until(subscription, 'live', 'restarted and caught up');
    expect(got.positions()).toEqual([1, 2, 3]);
    expect(subscription.error).toBeNull();
  });

  it('run on a read-only registry, with secrets shown as "***"', async () => {
    const { registry, reopen } = await harness.createRegistry();
    await threeEvents(registry);
    const reader = await reopen({ readOnly: true });
    const got = collector();

    const subscription = reader.subscribe({ name: 'downstream', handler: got.handler });

    await until(subscription, 'live', 'caught up');
    expect(got.positions()).toEqual([1, 2, 3]);
    const registered = got.events[0] as DataSourceEvent & {
      data: { config: { password: string } };
    };
    expect(registered.data.config.password).toBe('***');
    await registry.register(databaseInput({ name: 'Later' }));
    await eventually(async () => got.events.length === 4, 'a live event through the reader');
  });

  it('are stopped by close(), which waits for the handler in flight and its checkpoint', async () => {
    const { registry, reopen } = await harness.createRegistry();
    await threeEvents(registry);
    const inHandler = barrier(2);
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const got = collector();
    const subscription = registry.subscribe({
      name: 'slow',
      handler: async (event) => {
        if (event.position === 2) {
          await inHandler.arrive();
          await released;
        }
        got.handler(event);
      },
    });
    await inHandler.arrive();

    const closing = registry.close();
    release();
    await closing;

    expect(subscription.status).toBe('stopped');
    expect(got.positions()).toEqual([1, 2]);
    const again = await reopen();
    const rest = collector();
    const resumed = again.subscribe({ name: 'slow', handler: rest.handler });
    await until(resumed, 'live', 'resumed');
    expect(rest.positions()).toEqual([3]);
  });

  it('refuse a second subscription of a running name, and take it again once stopped', async () => {
    const { registry } = await harness.createRegistry();
    const first = registry.subscribe({ name: 'billing', handler: () => {} });

    const error = await failsWith(
      () => registry.subscribe({ name: 'billing', handler: () => {} }),
      ErrorCode.INVALID_INPUT,
    );
    expect(error.message).toContain('billing');

    await first.stop();
    const second = registry.subscribe({ name: 'billing', handler: () => {} });
    await until(second, 'live', 'second subscription');
  });

  it('refuse bad options with INVALID_INPUT, and any after close() with FORBIDDEN', async () => {
    const { registry } = await harness.createRegistry();
    const handler = () => {};
    for (const bad of [
      { name: '', handler },
      { name: 'x', handler: 'not a function' },
      { name: 'x', handler, from: -1 },
      { name: 'x', handler, filter: { types: ['NoSuchEvent'] } },
      { name: 'x', handler, maxAttempts: 0 },
      { name: 'x', handler, surprise: true },
    ]) {
      await failsWith(
        () => registry.subscribe(bad as unknown as Parameters<typeof registry.subscribe>[0]),
        ErrorCode.INVALID_INPUT,
      );
    }
    await registry.close();
    await failsWith(() => registry.subscribe({ name: 'late', handler }), ErrorCode.FORBIDDEN);
  });

  it('refuse restart() after close() with FORBIDDEN', async () => {
    const { registry } = await harness.createRegistry();
    const subscription = registry.subscribe({ name: 'billing', handler: () => {} });
    await until(subscription, 'live', 'caught up');

    await registry.close();

    expect(subscription.status).toBe('stopped');
    await failsWith(() => subscription.restart(), ErrorCode.FORBIDDEN);
    expect(subscription.status).toBe('stopped');
  });
});

it('start again from the first event of a memory log after reset(), skipping none of it', async () => {
  const { registry } = createTestRegistry();
  await threeEvents(registry);
  const got = collector();
  const subscription = registry.subscribe({ name: 'billing', handler: got.handler });
  await until(subscription, 'live', 'caught up');

  await registry.reset();
  await registry.register(databaseInput({ name: 'After reset' }));

  await eventually(async () => got.events.length === 4, 'the event after the reset');
  expect(got.positions()).toEqual([1, 2, 3, 1]);
  expect(got.events.at(-1)?.data).toMatchObject({ name: 'After reset' });
  await subscription.stop();
});
