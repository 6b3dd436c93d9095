import { expect, expectTypeOf, it, vi } from 'vitest';
import {
  CURRENT_SCHEMA_VERSION,
  type DataSourceEvent,
  ErrorCode,
  type EventOfType,
  type ListenerError,
} from '../../src/index.js';
import {
  databaseInput,
  failsWith,
  isDeeplyFrozen,
  PLAINTEXT_PASSWORD,
  recordEvents,
  settle,
} from '../support/registry-fixtures.js';
import { describeEachStore } from '../support/store-matrix.js';

const SECRETS = {
  password: PLAINTEXT_PASSWORD,
  apiKey: 'ak_live_51HxyzSECRET',
  connectionString: 'postgres://orders:conn-string-pw@db/orders',
  oauthConfig: { clientId: 'client-id-value', clientSecret: 'oauth-client-secret' },
};

describeEachStore('listeners', (harness) => {
  it('hear only the event type they subscribed to', async () => {
    const { registry } = await harness.createRegistry();
    const heard: EventOfType<'DataSourceActivated'>[] = [];
    registry.on('DataSourceActivated', (event) => {
      heard.push(event);
    });

    const { sourceId } = await registry.register(databaseInput());
    await registry.activate(sourceId);
    await registry.addTag(sourceId, 'prod');

    expect(heard.map((event) => [event.type, event.sourceId])).toEqual([
      ['DataSourceActivated', sourceId],
    ]);
  });

  it('get the event typed by the type they subscribed to', async () => {
    const { registry } = await harness.createRegistry();
    const tags: string[] = [];
    registry.on('TagAdded', (event) => {
      expectTypeOf(event).toEqualTypeOf<EventOfType<'TagAdded'>>();
      tags.push(event.data.tag);
    });
    const { sourceId } = await registry.register(databaseInput());

    await registry.addTag(sourceId, 'prod');

    expect(tags).toEqual(['prod']);
  });

  it("hear every event with '*'", async () => {
    const { registry } = await harness.createRegistry();
    const events = recordEvents(registry);

    const { sourceId } = await registry.register(databaseInput());
    await registry.activate(sourceId);
    await registry.delete(sourceId);

    expect(events.map((event) => event.type)).toEqual([
      'DataSourceRegistered',
      'DataSourceActivated',
      'DataSourceDeleted',
    ]);
  });

  it('are called after the commit: the log and the queries already show the event', async () => {
    const { registry, store } = await harness.createRegistry();
    const seen: Promise<unknown>[] = [];
    registry.on('DataSourceActivated', (event) => {
      const status = registry.get(event.sourceId)?.status;
      const position = registry.position;
      // The read starts inside the listener; it finds the event only if it was committed.
      const log = store.readAll();
      seen.push(
        log.then((stored) => ({
          status,
          position,
          inLog: stored.some((e) => e.eventId === event.eventId),
        })),
      );
    });
    const { sourceId } = await registry.register(databaseInput());

    await registry.activate(sourceId);

    expect(await Promise.all(seen)).toEqual([{ status: 'active', position: 2, inLog: true }]);
  });

  it('have been called by the time the command resolves', async () => {
    const { registry } = await harness.createRegistry();
    const events = recordEvents(registry);

    await registry.register(databaseInput());

    expect(events).toHaveLength(1);
  });

  it('hear events in log order, positions strictly increasing', async () => {
    const { registry } = await harness.createRegistry();
    const events = recordEvents(registry);

    const a = await registry.register(databaseInput({ name: 'a' }));
    const b = await registry.register(databaseInput({ name: 'b' }));
    await Promise.all([
      registry.recordConnection(a.sourceId),
      registry.recordConnection(b.sourceId),
      registry.update(a.sourceId, { name: 'a2', description: 'x' }),
    ]);
    await registry.clearTenant('acme');

    const positions = events.map((event) => event.position);
    expect(positions).toEqual(positions.map((_, i) => i + 1));
  });

  it('receive the full envelope of each event', async () => {
    const { registry, clock } = await harness.createRegistry();
    const events = recordEvents(registry);

    const { sourceId } = await registry.register(databaseInput());

    expect(events[0]).toMatchObject({
      eventId: expect.any(String),
      type: 'DataSourceRegistered',
      schemaVersion: CURRENT_SCHEMA_VERSION,
      sourceId,
      tenantId: 'acme',
      streamVersion: 1,
      position: 1,
      occurredAt: clock.iso(),
      metadata: {},
    });
  });

  it('receive deeply frozen events', async () => {
    const { registry } = await harness.createRegistry();
    const events = recordEvents(registry);

    await registry.register(databaseInput({ metadata: { nested: { a: [1] } } }));

    expect(isDeeplyFrozen(events[0])).toBe(true);
  });

  it('see "***" instead of every secret of a registration and of a config update', async () => {
    const { registry } = await harness.createRegistry();
    const events = recordEvents(registry);

    const { sourceId } = await registry.register(databaseInput({ config: SECRETS }));
    await registry.updateConfig(sourceId, { ...SECRETS, host: 'replica' });

    const json = JSON.stringify(events);
    for (const secret of [
      SECRETS.password,
      SECRETS.apiKey,
      SECRETS.connectionString,
      SECRETS.oauthConfig.clientId,
      SECRETS.oauthConfig.clientSecret,
    ]) {
      expect(json).not.toContain(secret);
    }
    const registered = events[0] as EventOfType<'DataSourceRegistered'>;
    expect(registered.data.config).toMatchObject({
      password: '***',
      apiKey: '***',
      connectionString: '***',
      oauthConfig: { clientId: '***', clientSecret: '***' },
    });
  });

  it('see a secret that is not set as null, not as "***"', async () => {
    const { registry } = await harness.createRegistry();
    const events = recordEvents(registry);

    await registry.register(databaseInput({ config: { host: 'db' } }));

    const registered = events[0] as EventOfType<'DataSourceRegistered'>;
    expect(registered.data.config.password).toBeNull();
  });

  it('that throw do not fail the command, and are reported on listenerError', async () => {
    const { registry } = await harness.createRegistry();
    const failure = new Error('listener bug');
    const reported: ListenerError[] = [];
    registry.on('DataSourceRegistered', () => {
      throw failure;
    });
    registry.on('listenerError', (report) => {
      reported.push(report);
    });

    const source = await registry.register(databaseInput());

    expect(registry.get(source.sourceId)).toBe(source);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.error).toBe(failure);
    expect(reported[0]?.event.sourceId).toBe(source.sourceId);
  });

  it('that throw do not keep the other listeners from the event', async () => {
    const { registry } = await harness.createRegistry();
    registry.on('*', () => {
      throw new Error('first listener fails');
    });
    const events = recordEvents(registry);

    await registry.register(databaseInput());

    expect(events).toHaveLength(1);
  });

  it('that return a rejected promise do not fail the command, and are reported on listenerError', async () => {
    const { registry } = await harness.createRegistry();
    const failure = new Error('async listener bug');
    const reported: ListenerError[] = [];
    registry.on('*', async () => {
      throw failure;
    });
    registry.on('listenerError', (report) => {
      reported.push(report);
    });

    await expect(registry.register(databaseInput())).resolves.toMatchObject({ version: 1 });
    await settle();

    expect(reported.map((report) => report.error)).toEqual([failure]);
  });

  it('stop hearing events once removed with off()', async () => {
    const { registry } = await harness.createRegistry();
    const listener = vi.fn();
    registry.on('*', listener);
    const { sourceId } = await registry.register(databaseInput());

    registry.off('*', listener);
    await registry.activate(sourceId);

    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('removed with off() leave the other listeners of that name in place', async () => {
    const { registry } = await harness.createRegistry();
    const removed = vi.fn();
    const kept = vi.fn();
    registry.on('DataSourceRegistered', removed).on('DataSourceRegistered', kept);

    registry.off('DataSourceRegistered', removed);
    await registry.register(databaseInput());

    expect(removed).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['DUPLICATE_NAME', ErrorCode.DUPLICATE_NAME],
    ['INVALID_TRANSITION', ErrorCode.INVALID_TRANSITION],
    ['INVALID_INPUT', ErrorCode.INVALID_INPUT],
  ] as const)('are not called for a command refused with %s', async (refusal, code) => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput({ name: 'Orders DB' }));
    await registry.deprecate(sourceId);
    const events = recordEvents(registry);

    const refused = {
      DUPLICATE_NAME: () => registry.register(databaseInput({ name: 'Orders DB' })),
      INVALID_TRANSITION: () => registry.activate(sourceId),
      INVALID_INPUT: () => registry.register(databaseInput({ name: '' })),
    }[refusal];
    await failsWith(refused, code);

    expect(events).toEqual([]);
  });
});

describeEachStore('registry.history', (harness) => {
  it('lists every event of one source in stream order', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await registry.register(databaseInput({ name: 'other' }));
    await registry.activate(sourceId);

    const history = await registry.history(sourceId);

    expect(history.map((event) => [event.type, event.streamVersion])).toEqual([
      ['DataSourceRegistered', 1],
      ['DataSourceActivated', 2],
    ]);
  });

  it('shows "***" instead of secrets', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput({ config: SECRETS }));
    await registry.updateConfig(sourceId, { ...SECRETS, password: 'rotated-password-value' });

    const history: readonly DataSourceEvent[] = await registry.history(sourceId);

    const json = JSON.stringify(history);
    expect(json).not.toContain(PLAINTEXT_PASSWORD);
    expect(json).not.toContain('rotated-password-value');
    expect(json).not.toContain(SECRETS.apiKey);
    expect(json).not.toContain(SECRETS.oauthConfig.clientSecret);
  });

  it('is empty for an id that never existed', async () => {
    const { registry } = await harness.createRegistry();

    await expect(registry.history('nope')).resolves.toEqual([]);
  });
});
