import { describe, expect, it } from 'vitest';
import {
  createMemoryEventStore,
  DataSourceRegistry,
  ErrorCode,
  type EventStore,
} from '../../src/index.js';
import { startChild } from '../support/children.js';
import { describeOnDurableStores, useRegistries } from '../support/durable-stores.js';
import { databaseInput, failsWith } from '../support/registry-fixtures.js';

interface Tally {
  recorded: number;
  failed: string[];
}

describeOnDurableStores('commands racing on one source from several processes', (newLog) => {
  const registries = useRegistries();

  it('count all 600 connections four processes record on one source, none failing', async () => {
    const log = newLog();
    const registry = await registries.open(log);
    const { sourceId } = await registry.register(databaseInput());

    const children = Array.from({ length: 4 }, () =>
      startChild('connection-recorder', log, sourceId, '150'),
    );
    const codes = await Promise.all(children.map((child) => child.exited));

    expect(codes).toEqual([0, 0, 0, 0]);
    const tallies = children.map((child) => child.lines[0] as Tally);
    expect(tallies.flatMap((tally) => tally.failed)).toEqual([]);
    const fresh = await registries.open(log);
    expect(fresh.get(sourceId)?.connectionCount).toBe(600);
  }, 240_000);
});

/** A store whose appends lose a race to another writer, `times` times, before going through. */
function losingRaces(
  store: EventStore,
  rival: DataSourceRegistry,
  sourceId: string,
  times: number,
) {
  let lost = 0;
  const reads: string[] = [];
  const wrapped: EventStore = {
    ...store,
    async append(request) {
      if (lost < times) {
        lost += 1;
        await rival.recordConnection(sourceId);
      }
      return store.append(request);
    },
    async readAll(options) {
      reads.push('readAll');
      return store.readAll(options);
    },
    async readStream(streamId) {
      reads.push('readStream');
      return store.readStream(streamId);
    },
  };
  return { store: wrapped, reads };
}

describe('a command that lost a race', () => {
  it('tries again, reading only its own stream, until it goes through', async () => {
    const shared = createMemoryEventStore();
    const rival = new DataSourceRegistry({ store: shared });
    const { sourceId } = await rival.register(databaseInput());
    const { store, reads } = losingRaces(shared, rival, sourceId, 5);
    const registry = await DataSourceRegistry.open({ store });
    reads.length = 0;

    const source = await registry.recordConnection(sourceId);

    expect(source?.connectionCount).toBe(6);
    expect(reads.filter((read) => read === 'readStream')).toHaveLength(5);
  });

  it('fails with CONCURRENCY_CONFLICT once conflictRetries are spent', async () => {
    const shared = createMemoryEventStore();
    const rival = new DataSourceRegistry({ store: shared });
    const { sourceId } = await rival.register(databaseInput());
    const { store } = losingRaces(shared, rival, sourceId, 5);
    const registry = await DataSourceRegistry.open({ store, conflictRetries: 2 });

    await failsWith(() => registry.recordConnection(sourceId), ErrorCode.CONCURRENCY_CONFLICT);
  });

  it('fails with CONCURRENCY_CONFLICT once the conflict time budget is spent', async () => {
    const shared = createMemoryEventStore();
    const rival = new DataSourceRegistry({ store: shared });
    const { sourceId } = await rival.register(databaseInput());
    const { store } = losingRaces(shared, rival, sourceId, Number.POSITIVE_INFINITY);
    const registry = await DataSourceRegistry.open({ store, conflictTimeoutMs: 0 });

    await failsWith(() => registry.recordConnection(sourceId), ErrorCode.CONCURRENCY_CONFLICT);
  });

  it('refuses a negative conflict time budget with INVALID_INPUT', () => {
    expect(() => new DataSourceRegistry({ conflictTimeoutMs: -1 })).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_INPUT }),
    );
  });
});
