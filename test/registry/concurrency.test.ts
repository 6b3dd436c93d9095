import { describe, expect, it } from 'vitest';
import {
  createMemoryEventStore,
  DataSourceError,
  DataSourceRegistry,
  ErrorCode,
} from '../../src/index.js';
import { gate, holdStore, turnstile } from '../support/barrier.js';
import { eventually } from '../support/postgres.js';
import { createTestRegistry, databaseInput, recordEvents } from '../support/registry-fixtures.js';

/** The codes of the rejections among settled results, and how many fulfilled. */
function outcomes(results: PromiseSettledResult<unknown>[]) {
  const fulfilled = results.filter((r) => r.status === 'fulfilled').length;
  const codes = results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => (r.reason instanceof DataSourceError ? r.reason.code : String(r.reason)));
  return { fulfilled, codes };
}

describe('concurrent commands on one registry', () => {
  it('land every one of 50 concurrent recordConnection calls on one source', async () => {
    const { registry } = createTestRegistry();
    const { sourceId } = await registry.register(databaseInput());

    await Promise.all(Array.from({ length: 50 }, () => registry.recordConnection(sourceId)));

    expect(registry.get(sourceId)).toMatchObject({ connectionCount: 50, version: 51 });
  });

  it('give the events of concurrent commands on one source consecutive versions and positions', async () => {
    const { registry } = createTestRegistry();
    const { sourceId } = await registry.register(databaseInput());

    await Promise.all(Array.from({ length: 50 }, () => registry.recordConnection(sourceId)));

    const history = await registry.history(sourceId);
    expect(history.map((event) => event.streamVersion)).toEqual(
      Array.from({ length: 51 }, (_, i) => i + 1),
    );
    expect(history.map((event) => event.position)).toEqual(
      Array.from({ length: 51 }, (_, i) => i + 1),
    );
  });

  it('land concurrent commands of different kinds on one source', async () => {
    const { registry } = createTestRegistry();
    const { sourceId } = await registry.register(databaseInput());
    const tags = Array.from({ length: 20 }, (_, i) => `tag-${i}`);

    await Promise.all([
      ...tags.map((tag) => registry.addTag(sourceId, tag)),
      registry.grantAccess(sourceId, 'admin'),
      registry.recordError(sourceId, 'flaky'),
      registry.update(sourceId, { description: 'busy' }),
    ]);

    expect(registry.get(sourceId)).toMatchObject({
      tags: expect.arrayContaining(tags),
      accessRoles: ['admin'],
      errorCount: 1,
      description: 'busy',
      version: 24,
    });
  });

  it('land concurrent registrations of different names', async () => {
    const { registry } = createTestRegistry();

    await Promise.all(
      Array.from({ length: 20 }, (_, i) => registry.register(databaseInput({ name: `db-${i}` }))),
    );

    expect(registry.count({ tenantId: 'acme' })).toBe(20);
    expect(registry.position).toBe(20);
  });

  it('let exactly one of concurrent registrations of one name in a tenant win; the others get DUPLICATE_NAME', async () => {
    const { registry } = createTestRegistry();

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => registry.register(databaseInput({ name: 'Orders DB' }))),
    );

    expect(outcomes(results)).toEqual({
      fulfilled: 1,
      codes: Array(9).fill(ErrorCode.DUPLICATE_NAME),
    });
    expect(registry.count()).toBe(1);
  });

  it('treat names that differ only in case and spacing as one name under concurrency', async () => {
    const { registry } = createTestRegistry();

    const results = await Promise.allSettled(
      ['Orders DB', 'orders db', ' ORDERS DB ', 'Orders Db'].map((name) =>
        registry.register(databaseInput({ name })),
      ),
    );

    expect(outcomes(results).fulfilled).toBe(1);
    expect(registry.count()).toBe(1);
  });

  it('let exactly one of two concurrent renames to one name win', async () => {
    const { registry } = createTestRegistry();
    const a = await registry.register(databaseInput({ name: 'a' }));
    const b = await registry.register(databaseInput({ name: 'b' }));

    const results = await Promise.allSettled([
      registry.update(a.sourceId, { name: 'Shared' }),
      registry.update(b.sourceId, { name: 'shared' }),
    ]);

    expect(outcomes(results)).toEqual({ fulfilled: 1, codes: [ErrorCode.DUPLICATE_NAME] });
    expect(registry.list().filter((s) => s.name.toLowerCase() === 'shared')).toHaveLength(1);
  });

  it('let exactly one of concurrent commands expecting the same version land; the others get CONCURRENCY_CONFLICT', async () => {
    const { registry } = createTestRegistry();
    const { sourceId } = await registry.register(databaseInput());

    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd'].map((tag) => registry.addTag(sourceId, tag, { expectedVersion: 1 })),
    );

    expect(outcomes(results)).toEqual({
      fulfilled: 1,
      codes: Array(3).fill(ErrorCode.CONCURRENCY_CONFLICT),
    });
    expect(registry.get(sourceId)?.tags).toHaveLength(1);
  });
});

describe('two registries on one memory store', () => {
  it('a registry made after another wrote starts with its sources', async () => {
    const { registry: first, store } = createTestRegistry();
    const source = await first.register(databaseInput());

    const second = new DataSourceRegistry({ store });

    expect(second.get(source.sourceId)).toEqual(source);
    expect(second.position).toBe(first.position);
  });

  it("each sees the other's events after its own next command", async () => {
    const { registry: first, store } = createTestRegistry();
    const shared = await first.register(databaseInput({ name: 'shared' }));
    const second = new DataSourceRegistry({ store });
    const own = await second.register(databaseInput({ name: 'own' }));

    await first.activate(shared.sourceId);
    await second.recordConnection(own.sourceId);
    await first.addTag(shared.sourceId, 'seen');

    expect(second.get(shared.sourceId)?.status).toBe('active');
    expect(first.get(own.sourceId)?.connectionCount).toBe(1);
  });

  it('a command on a source the other registry just changed catches up and lands', async () => {
    const { registry: first, store } = createTestRegistry();
    const { sourceId } = await first.register(databaseInput());
    const second = new DataSourceRegistry({ store });

    await first.recordConnection(sourceId);
    await first.recordConnection(sourceId);
    const result = await second.recordConnection(sourceId);

    expect(result).toMatchObject({ connectionCount: 3, version: 4 });
  });

  it('a command expecting the version the other registry reached catches up and lands', async () => {
    const { registry: first, store } = createTestRegistry();
    const { sourceId } = await first.register(databaseInput());
    const second = new DataSourceRegistry({ store });

    const moved = await first.recordConnection(sourceId);
    const result = await second.activate(sourceId, { expectedVersion: moved?.version });

    expect(result).toMatchObject({ status: 'active', connectionCount: 1, version: 3 });
  });

  it('concurrent commands from both on one source all land', async () => {
    const { registry: first, store } = createTestRegistry();
    const { sourceId } = await first.register(databaseInput());
    const second = new DataSourceRegistry({ store });

    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? first : second).recordConnection(sourceId)),
    );
    await eventually(
      async () => first.position === 21 && second.position === 21,
      'both registries to apply all 21 events',
    );

    expect(first.get(sourceId)?.connectionCount).toBe(20);
    expect(second.get(sourceId)?.connectionCount).toBe(20);
  });

  it("each catches up on the other's writes on its own, shortly after", async () => {
    const { registry: first, store } = createTestRegistry();
    const second = new DataSourceRegistry({ store });

    const source = await first.register(databaseInput());
    await eventually(async () => second.position === 1, 'the second registry to apply position 1');

    expect(second.get(source.sourceId)).toEqual(source);
  });

  it("a listener of one hears the other's events once it has caught up", async () => {
    const { registry: first, store } = createTestRegistry();
    const second = new DataSourceRegistry({ store });
    const heard = recordEvents(second);

    const { sourceId } = await first.register(databaseInput());
    await first.activate(sourceId);
    await eventually(async () => second.position === 2, 'the second registry to apply position 2');

    expect(heard.map((event) => event.type)).toEqual([
      'DataSourceRegistered',
      'DataSourceActivated',
    ]);
  });

  // Catching up on several events at once applies them grouped by source, not
  // in log order. Here the new source (already named "x" after its rename) is
  // indexed first; the older source's rename away from "x" then deletes the
  // name entry without checking whose it is.
  it('a registry that catches up on a rename chain at once still finds each source by name', async () => {
    const { registry: first, store } = createTestRegistry();
    const reads = turnstile();
    const second = new DataSourceRegistry({
      store: holdStore(store, { beforeReadAll: reads.pass }),
    });
    const older = await first.register(databaseInput({ name: 'x' }));
    await eventually(async () => reads.waiting === 1, 'the second registry to start a read');
    reads.releaseOne();
    await eventually(async () => second.position === 1, 'the second registry to apply position 1');
    const newer = await first.register(databaseInput({ name: 'y' }));
    await first.update(older.sourceId, { name: 'z' });
    await first.update(newer.sourceId, { name: 'x' });

    // Its next read starts only now, so it takes in all three events at once.
    reads.openForGood();
    await eventually(
      async () => second.position === first.position,
      'the second registry to catch up',
    );
    expect(second.getByName('acme', 'x')?.sourceId).toBe(newer.sourceId);
  });

  it('let exactly one of concurrent registrations of one name from both win', async () => {
    const { registry: first, store } = createTestRegistry();
    const second = new DataSourceRegistry({ store });

    const results = await Promise.allSettled([
      first.register(databaseInput({ name: 'Orders DB' })),
      second.register(databaseInput({ name: 'orders db' })),
      first.register(databaseInput({ name: 'ORDERS DB' })),
      second.register(databaseInput({ name: ' Orders DB' })),
    ]);
    await eventually(
      async () => first.position === second.position,
      'both registries to reach the same position',
    );

    expect(outcomes(results).fulfilled).toBe(1);
    expect(outcomes(results).codes).toEqual(Array(3).fill(ErrorCode.DUPLICATE_NAME));
    expect(first.count()).toBe(1);
    expect(second.count()).toBe(1);
  });

  it('refuse a name the other registry took, even before hearing of it', async () => {
    const { registry: first, store } = createTestRegistry();
    const second = new DataSourceRegistry({ store });
    await first.register(databaseInput({ name: 'Orders DB' }));

    const results = await Promise.allSettled([
      second.register(databaseInput({ name: 'Orders DB' })),
    ]);

    expect(outcomes(results).codes).toEqual([ErrorCode.DUPLICATE_NAME]);
  });
});

describe('two registries on one store, one of them held in the middle of a read', () => {
  it('each catches up on its own when the writes are far apart', async () => {
    const memory = createMemoryEventStore();
    const first = new DataSourceRegistry({ store: memory });
    const second = new DataSourceRegistry({ store: memory });
    const { sourceId } = await first.register(databaseInput());
    await eventually(async () => second.position === 1, 'the second registry to apply position 1');

    await first.activate(sourceId);

    await eventually(
      async () => second.get(sourceId)?.status === 'active',
      'the second registry to see the source active',
    );
  });

  it('each catches up on a write announced while it was reading the log', async () => {
    const memory = createMemoryEventStore();
    const held = gate();
    const first = new DataSourceRegistry({ store: memory });
    const second = new DataSourceRegistry({
      store: holdStore(memory, { afterReadAll: held.pass }),
    });
    const { sourceId } = await first.register(databaseInput());
    await eventually(async () => held.waiting === 1, 'the second registry to read position 1');
    const announced = new Promise<void>((resolve) => memory.subscribe(() => resolve()));

    await first.activate(sourceId);
    // Subscribed after the second registry, so heard after it: the notice has reached it mid-read.
    await announced;
    held.open();

    await eventually(async () => second.position === 2, 'the second registry to apply position 2');
  });
});
