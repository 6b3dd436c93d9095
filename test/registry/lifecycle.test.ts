/**
 * The status commands and the connection statistics, through the registry.
 * The status transition table (docs/events.md); each cell is one test below.
 */
import { expect, it } from 'vitest';
import {
  type CustomerDataSource,
  type DataSourceRegistry,
  DataSourceStatus,
  ErrorCode,
} from '../../src/index.js';
import { databaseInput, failsWith, recordEvents } from '../support/registry-fixtures.js';
import { describeEachStore, type StoreHarness } from '../support/store-matrix.js';

type Action = 'activate' | 'deactivate' | 'deprecate' | 'updateConfig' | 'recordError';

function run(registry: DataSourceRegistry, action: Action, sourceId: string) {
  switch (action) {
    case 'updateConfig':
      return registry.updateConfig(sourceId, { host: 'moved.internal' });
    case 'recordError':
      return registry.recordError(sourceId, 'connection refused');
    default:
      return registry[action](sourceId);
  }
}

/** A registry holding one source brought to `status` through commands. */
async function sourceIn(harness: StoreHarness, status: DataSourceStatus) {
  const fixture = await harness.createRegistry();
  const { registry } = fixture;
  const { sourceId } = await registry.register(databaseInput());
  if (status === 'configuring') await registry.updateConfig(sourceId, { host: 'staging' });
  if (status === 'active') await registry.activate(sourceId);
  if (status === 'inactive') await registry.deactivate(sourceId);
  if (status === 'error') await registry.recordError(sourceId, 'timeout');
  if (status === 'deprecated') await registry.deprecate(sourceId);
  expect(registry.get(sourceId)?.status).toBe(status);
  return { ...fixture, sourceId };
}

const targetOf: Record<Action, DataSourceStatus> = {
  activate: 'active',
  deactivate: 'inactive',
  deprecate: 'deprecated',
  updateConfig: 'configuring',
  recordError: 'error',
};

const moves: [DataSourceStatus, Action][] = [];
for (const from of ['pending', 'configuring', 'inactive', 'error', 'active'] as const) {
  for (const action of Object.keys(targetOf) as Action[]) {
    if (targetOf[action] !== from) moves.push([from, action]);
  }
}
moves.push(['configuring', 'updateConfig'], ['error', 'recordError']);

describeEachStore('status transitions through the registry', (harness) => {
  it.each(moves)('from %s, %s moves the source to its new status', async (from, action) => {
    const { registry, sourceId } = await sourceIn(harness, from);
    const position = registry.position;

    const result = await run(registry, action, sourceId);

    expect(result?.status).toBe(targetOf[action]);
    expect(registry.position).toBe(position + 1);
  });

  it.each([
    ['active', 'activate'],
    ['inactive', 'deactivate'],
    ['deprecated', 'deprecate'],
  ] as const)('from %s, %s changes nothing', async (from, action) => {
    const { registry, sourceId } = await sourceIn(harness, from);
    const position = registry.position;

    const result = await run(registry, action, sourceId);

    expect(result?.status).toBe(from);
    expect(registry.position).toBe(position);
  });

  it.each(['activate', 'deactivate', 'updateConfig'] as const)(
    'from deprecated, %s is refused with INVALID_TRANSITION and appends nothing',
    async (action) => {
      const { registry, sourceId } = await sourceIn(harness, 'deprecated');
      const position = registry.position;

      const error = await failsWith(
        () => run(registry, action, sourceId),
        ErrorCode.INVALID_TRANSITION,
      );

      expect(error).toMatchObject({ sourceId, sourceType: 'database' });
      expect(error.details).toMatchObject({ status: 'deprecated' });
      expect(registry.position).toBe(position);
      expect(registry.get(sourceId)?.status).toBe('deprecated');
    },
  );

  it('from deprecated, recordError counts the error and the source stays deprecated', async () => {
    const { registry, sourceId } = await sourceIn(harness, 'deprecated');

    const result = await registry.recordError(sourceId, 'still failing');

    expect(result).toMatchObject({
      status: 'deprecated',
      errorCount: 1,
      lastError: 'still failing',
    });
  });
});

describeEachStore('registry.activate', (harness) => {
  it('clears the last error of a source in error, and keeps its error count', async () => {
    const { registry, sourceId } = await sourceIn(harness, 'error');

    const result = await registry.activate(sourceId);

    expect(result).toMatchObject({ status: 'active', lastError: null, errorCount: 1 });
  });

  it('appends a DataSourceActivated event', async () => {
    const { registry, sourceId } = await sourceIn(harness, 'pending');

    await registry.activate(sourceId);

    const history = await registry.history(sourceId);
    expect(history.map((event) => event.type)).toEqual([
      'DataSourceRegistered',
      'DataSourceActivated',
    ]);
  });
});

describeEachStore('registry.deactivate', (harness) => {
  it('takes an active source out of service', async () => {
    const { registry, sourceId } = await sourceIn(harness, 'active');

    const result = await registry.deactivate(sourceId);

    expect(result?.status).toBe(DataSourceStatus.INACTIVE);
  });
});

describeEachStore('registry.deprecate', (harness) => {
  it('retires a source for good', async () => {
    const { registry, sourceId } = await sourceIn(harness, 'active');

    const result = await registry.deprecate(sourceId);

    expect(result?.status).toBe(DataSourceStatus.DEPRECATED);
  });
});

describeEachStore('registry.recordConnection', (harness) => {
  it('counts a connection and records when it happened', async () => {
    const { registry, sourceId, clock } = await sourceIn(harness, 'active');
    clock.advance(5 * 60_000);

    const result = await registry.recordConnection(sourceId);

    expect(result).toMatchObject({ connectionCount: 1, lastConnected: clock.iso() });
    expect(result?.updatedAt).toBe(clock.iso());
  });

  it('counts every connection, each one an event', async () => {
    const { registry, sourceId } = await sourceIn(harness, 'active');
    const events = recordEvents(registry);

    await registry.recordConnection(sourceId);
    await registry.recordConnection(sourceId);
    const result = await registry.recordConnection(sourceId);

    expect(result?.connectionCount).toBe(3);
    expect(events.map((event) => event.type)).toEqual([
      'ConnectionRecorded',
      'ConnectionRecorded',
      'ConnectionRecorded',
    ]);
  });

  it('does not change the status', async () => {
    const { registry, sourceId } = await sourceIn(harness, 'pending');

    const result = await registry.recordConnection(sourceId);

    expect(result?.status).toBe('pending');
  });
});

describeEachStore('registry.recordError', (harness) => {
  it('puts the source in error, keeps the message as its last error and counts it', async () => {
    const { registry, sourceId } = await sourceIn(harness, 'active');

    const result = await registry.recordError(sourceId, 'password authentication failed');

    expect(result).toMatchObject({
      status: 'error',
      lastError: 'password authentication failed',
      errorCount: 1,
    });
  });

  it('keeps only the latest message as the last error', async () => {
    const { registry, sourceId } = await sourceIn(harness, 'active');

    await registry.recordError(sourceId, 'first');
    const result: CustomerDataSource | null = await registry.recordError(sourceId, 'second');

    expect(result).toMatchObject({ lastError: 'second', errorCount: 2 });
  });

  it('refuses an empty message with INVALID_INPUT', async () => {
    const { registry, sourceId } = await sourceIn(harness, 'active');

    await failsWith(() => registry.recordError(sourceId, ''), ErrorCode.INVALID_INPUT);
    expect(registry.get(sourceId)?.errorCount).toBe(0);
  });
});
