/**
 * The command context: who acts and why lands in every event's metadata, and
 * `expectedVersion` turns a command into a compare-and-set on its source.
 */
import { expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { databaseInput, failsWith, recordEvents } from '../support/registry-fixtures.js';
import { describeEachStore } from '../support/store-matrix.js';

const ctx = {
  actor: 'alice@acme',
  correlationId: 'req-42',
  causationId: 'cmd-7',
  metadata: { ip: '10.0.0.1', via: 'admin-console' },
};

describeEachStore('the command context', (harness) => {
  it('puts actor, correlationId, causationId and metadata in the event metadata', async () => {
    const { registry } = await harness.createRegistry();

    const { sourceId } = await registry.register(databaseInput(), ctx);

    const [registered] = await registry.history(sourceId);
    expect(registered?.metadata).toEqual({
      actor: 'alice@acme',
      correlationId: 'req-42',
      causationId: 'cmd-7',
      ip: '10.0.0.1',
      via: 'admin-console',
    });
  });

  it('hands the same metadata to listeners', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());
    const events = recordEvents(registry);

    await registry.activate(sourceId, ctx);

    expect(events[0]?.metadata).toMatchObject({ actor: 'alice@acme', correlationId: 'req-42' });
  });

  it('gives every event of one command the same metadata', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());

    await registry.update(sourceId, { name: 'Renamed', description: 'd', metadata: { x: 1 } }, ctx);

    const history = await registry.history(sourceId);
    expect(history.slice(1).map((event) => event.metadata.actor)).toEqual([
      'alice@acme',
      'alice@acme',
      'alice@acme',
    ]);
  });

  it('gives every deletion of clearTenant the context', async () => {
    const { registry } = await harness.createRegistry();
    await registry.register(databaseInput({ name: 'a' }));
    await registry.register(databaseInput({ name: 'b' }));
    const events = recordEvents(registry);

    await registry.clearTenant('acme', { actor: 'offboarding-job' });

    expect(events.map((event) => event.metadata.actor)).toEqual([
      'offboarding-job',
      'offboarding-job',
    ]);
  });

  it('leaves the metadata empty without a context', async () => {
    const { registry } = await harness.createRegistry();

    const { sourceId } = await registry.register(databaseInput());

    const [registered] = await registry.history(sourceId);
    expect(registered?.metadata).toEqual({});
  });

  it('refuses an unknown context key with INVALID_INPUT', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());

    await failsWith(
      () => registry.activate(sourceId, { user: 'alice' } as never),
      ErrorCode.INVALID_INPUT,
    );
  });
});

describeEachStore('ctx.expectedVersion', (harness) => {
  it('lets the command through when it equals the version of the source', async () => {
    const { registry } = await harness.createRegistry();
    const source = await registry.register(databaseInput());

    const result = await registry.activate(source.sourceId, { expectedVersion: source.version });

    expect(result).toMatchObject({ status: 'active', version: 2 });
  });

  it('of 0 lets a registration of a new id through', async () => {
    const { registry } = await harness.createRegistry();

    const source = await registry.register(databaseInput(), { expectedVersion: 0 });

    expect(source.version).toBe(1);
  });

  it('refuses the command with CONCURRENCY_CONFLICT when it is stale', async () => {
    const { registry } = await harness.createRegistry();
    const stale = await registry.register(databaseInput());
    await registry.addTag(stale.sourceId, 'prod');

    const error = await failsWith(
      () => registry.deactivate(stale.sourceId, { expectedVersion: stale.version }),
      ErrorCode.CONCURRENCY_CONFLICT,
    );

    expect(error.sourceId).toBe(stale.sourceId);
    expect(error.details).toMatchObject({ expected: 1, actual: 2 });
  });

  it('when stale, appends nothing and changes nothing', async () => {
    const { registry } = await harness.createRegistry();
    const stale = await registry.register(databaseInput());
    await registry.addTag(stale.sourceId, 'prod');
    const current = registry.get(stale.sourceId);

    await failsWith(
      () => registry.deactivate(stale.sourceId, { expectedVersion: 1 }),
      ErrorCode.CONCURRENCY_CONFLICT,
    );

    expect(registry.position).toBe(2);
    expect(registry.get(stale.sourceId)).toBe(current);
  });

  it('when stale, calls no listener', async () => {
    const { registry } = await harness.createRegistry();
    const stale = await registry.register(databaseInput());
    await registry.addTag(stale.sourceId, 'prod');
    const events = recordEvents(registry);

    await failsWith(
      () => registry.deactivate(stale.sourceId, { expectedVersion: 1 }),
      ErrorCode.CONCURRENCY_CONFLICT,
    );

    expect(events).toEqual([]);
  });

  it('ahead of the source is refused with CONCURRENCY_CONFLICT too', async () => {
    const { registry } = await harness.createRegistry();
    const source = await registry.register(databaseInput());

    await failsWith(
      () => registry.activate(source.sourceId, { expectedVersion: 5 }),
      ErrorCode.CONCURRENCY_CONFLICT,
    );
  });

  it('is refused with INVALID_INPUT when negative', async () => {
    const { registry } = await harness.createRegistry();
    const source = await registry.register(databaseInput());

    await failsWith(
      () => registry.activate(source.sourceId, { expectedVersion: -1 }),
      ErrorCode.INVALID_INPUT,
    );
  });
});
