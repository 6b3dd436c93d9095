/**
 * The README's "Options and command context" section, one promise per test:
 * what each option and each context field does.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type DataSourceEvent,
  DataSourceRegistry,
  DataSourceType,
  ErrorCode,
} from '../../src/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { hearSnapshots } from '../support/snapshots.js';
import { useTempDir } from '../support/temp-dir.js';

const input = { tenantId: 'acme', name: 'Orders DB', sourceType: DataSourceType.DATABASE };
const tempDir = useTempDir('readme-options-');

describe('the options and command context the README describes', () => {
  it('takes occurredAt from the clock option and ids from newId', async () => {
    let n = 0;
    const registry = new DataSourceRegistry({
      clock: () => new Date('2030-01-02T03:04:05.000Z'),
      newId: () => `id-${++n}`,
    });
    const source = await registry.register(input);
    const [event] = await registry.history(source.sourceId);
    expect(source.sourceId).toBe('id-1');
    expect(event?.eventId).toBe('id-2');
    expect(event?.occurredAt).toBe('2030-01-02T03:04:05.000Z');
  });

  it('puts actor, correlationId, causationId and metadata of the context on the event', async () => {
    const registry = new DataSourceRegistry();
    const source = await registry.register(input, {
      actor: 'alice',
      correlationId: 'req-1',
      causationId: 'cmd-1',
      metadata: { ip: '127.0.0.1' },
    });
    const [event] = await registry.history(source.sourceId);
    expect(event?.metadata).toMatchObject({
      actor: 'alice',
      correlationId: 'req-1',
      causationId: 'cmd-1',
      ip: '127.0.0.1',
    });
  });

  it('applies a command whose expectedVersion is the source version', async () => {
    const registry = new DataSourceRegistry();
    const source = await registry.register(input);
    const updated = await registry.update(
      source.sourceId,
      { description: 'replica' },
      { expectedVersion: source.version },
    );
    expect(updated?.description).toBe('replica');
    expect(updated?.version).toBe(source.version + 1);
  });

  it('refuses a command whose expectedVersion is stale with CONCURRENCY_CONFLICT, appending nothing', async () => {
    const registry = new DataSourceRegistry();
    const source = await registry.register(input);
    await registry.activate(source.sourceId);
    const before = registry.position;
    await expect(
      registry.update(
        source.sourceId,
        { description: 'replica' },
        { expectedVersion: source.version },
      ),
    ).rejects.toMatchObject({ code: ErrorCode.CONCURRENCY_CONFLICT });
    expect(registry.position).toBe(before);
    expect(registry.get(source.sourceId)?.description).toBeNull();
  });

  it('reports a throwing listener to listenerError with the error and the event, and the command succeeds', async () => {
    const registry = new DataSourceRegistry();
    const boom = new Error('listener broke');
    const failures: { error: unknown; event: DataSourceEvent }[] = [];
    registry.on('DataSourceRegistered', () => {
      throw boom;
    });
    registry.on('listenerError', (failure) => {
      failures.push(failure);
    });
    const source = await registry.register(input);
    expect(registry.get(source.sourceId)).not.toBeNull();
    await expect.poll(() => failures.length).toBe(1);
    expect(failures[0]?.error).toBe(boom);
    expect(failures[0]?.event.sourceId).toBe(source.sourceId);
  });

  it('saves a snapshot every snapshotEvery events, and open() restores it and replays the rest', async () => {
    const filename = join(tempDir(), 'registry.sqlite');
    const heard = hearSnapshots();
    const registry = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      snapshotEvery: 2,
    });
    const source = await registry.register(input);
    await registry.activate(source.sourceId);
    await expect.poll(() => heard.map((message) => message.action)).toEqual(['written']);
    await registry.deactivate(source.sourceId);
    await registry.close();

    const reopened = await DataSourceRegistry.open({ store: createSqliteEventStore({ filename }) });
    expect(heard.at(-1)).toMatchObject({ action: 'loaded', position: 2 });
    expect(reopened.get(source.sourceId)?.status).toBe('inactive');
    await reopened.close();
  });
});
