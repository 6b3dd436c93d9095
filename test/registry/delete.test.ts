import { describe, expect, it } from 'vitest';
import { DataSourceRegistry, ErrorCode } from '../../src/index.js';
import { plainJson } from '../support/plain.js';
import { eventually } from '../support/postgres.js';
import {
  createTestRegistry,
  databaseInput,
  failsWith,
  recordEvents,
  settle,
} from '../support/registry-fixtures.js';
import { describeEachFailingStore } from '../support/store-failures.js';
import {
  describeEachDurableStore,
  describeEachStore,
  type StoreHarness,
} from '../support/store-matrix.js';

describeEachStore('registry.delete', (harness) => {
  it('resolves to true when it deletes a source', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());

    await expect(registry.delete(sourceId)).resolves.toBe(true);
  });

  it('resolves to false the second time, and appends nothing', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await registry.delete(sourceId);
    const position = registry.position;

    await expect(registry.delete(sourceId)).resolves.toBe(false);
    expect(registry.position).toBe(position);
  });

  it('resolves to false for an id that never existed', async () => {
    const { registry } = await harness.createRegistry();

    await expect(registry.delete('no-such-source')).resolves.toBe(false);
  });

  it('takes the source out of get, getByName, list and count', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput({ name: 'Orders DB' }));
    await registry.register(databaseInput({ name: 'Billing DB' }));

    await registry.delete(sourceId);

    expect(registry.get(sourceId)).toBeNull();
    expect(registry.getByName('acme', 'Orders DB')).toBeNull();
    expect(registry.list().map((s) => s.name)).toEqual(['Billing DB']);
    expect(registry.count()).toBe(1);
    expect(registry.count({ tenantId: 'acme' })).toBe(1);
  });

  it('takes the source and its connections and errors out of the statistics', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await registry.recordConnection(sourceId);
    await registry.recordError(sourceId, 'boom');

    await registry.delete(sourceId);

    expect(registry.getStatistics()).toMatchObject({
      totalSources: 0,
      errorSources: 0,
      sourcesByType: {},
      totalConnections: 0,
      totalErrors: 0,
    });
    expect(registry.getStatistics('acme').totalSources).toBe(0);
  });

  it('keeps the history of the deleted source, ending with DataSourceDeleted', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await registry.activate(sourceId);

    await registry.delete(sourceId);

    const history = await registry.history(sourceId);
    expect(history.map((event) => event.type)).toEqual([
      'DataSourceRegistered',
      'DataSourceActivated',
      'DataSourceDeleted',
    ]);
    expect(history[2]?.data).toEqual({ reason: 'deleted' });
  });
});

/** Three sources of acme, one of globex, one of initech. */
async function threeTenantsOfSources(harness: StoreHarness) {
  const fixture = await harness.createRegistry();
  const { registry } = fixture;
  for (const name of ['Orders', 'Billing', 'Events']) {
    await registry.register(databaseInput({ tenantId: 'acme', name }));
  }
  await registry.register(databaseInput({ tenantId: 'globex', name: 'Orders' }));
  await registry.register(databaseInput({ tenantId: 'initech', name: 'Orders' }));
  return fixture;
}

describeEachStore('registry.clearTenant', (harness) => {
  it('resolves to the number of sources it deleted', async () => {
    const { registry } = await threeTenantsOfSources(harness);

    await expect(registry.clearTenant('acme')).resolves.toBe(3);
  });

  it('deletes every live source of the tenant', async () => {
    const { registry } = await threeTenantsOfSources(harness);

    await registry.clearTenant('acme');

    expect(registry.list({ tenantId: 'acme' })).toEqual([]);
    expect(registry.count({ tenantId: 'acme' })).toBe(0);
    expect(registry.getStatistics('acme').totalSources).toBe(0);
  });

  it('leaves the other tenants untouched', async () => {
    const { registry } = await threeTenantsOfSources(harness);
    const others = plainJson([
      registry.list({ tenantId: 'globex' }),
      registry.list({ tenantId: 'initech' }),
    ]);

    await registry.clearTenant('acme');

    expect(
      plainJson([registry.list({ tenantId: 'globex' }), registry.list({ tenantId: 'initech' })]),
    ).toBe(others);
    expect(registry.getStatistics().totalSources).toBe(2);
  });

  it('writes all the deletions in one append, at consecutive positions and the same instant', async () => {
    const { registry, store } = await threeTenantsOfSources(harness);
    const before = registry.position;
    const announced: number[] = [];
    store.subscribe((head) => {
      announced.push(head);
    });

    await registry.clearTenant('acme');
    await eventually(
      async () => announced.includes(before + 3),
      'the store to announce the head after the deletions',
    );

    const deletions = (await store.readAll({ after: before })).filter(
      (event) => event.type === 'DataSourceDeleted',
    );
    // One append moves the head past all three at once: no head in between is ever announced.
    expect(announced.filter((head) => head > before && head < before + 3)).toEqual([]);
    expect(deletions.map((event) => event.position)).toEqual([before + 1, before + 2, before + 3]);
    expect(new Set(deletions.map((event) => event.occurredAt)).size).toBe(1);
  });

  it("marks each deletion with the reason 'tenant_cleared'", async () => {
    const { registry } = await threeTenantsOfSources(harness);
    const events = recordEvents(registry);

    await registry.clearTenant('acme');

    expect(events.map((event) => [event.type, event.tenantId, event.data])).toEqual([
      ['DataSourceDeleted', 'acme', { reason: 'tenant_cleared' }],
      ['DataSourceDeleted', 'acme', { reason: 'tenant_cleared' }],
      ['DataSourceDeleted', 'acme', { reason: 'tenant_cleared' }],
    ]);
  });

  it('does not count sources of the tenant that were deleted before', async () => {
    const { registry } = await threeTenantsOfSources(harness);
    const [first] = registry.list({ tenantId: 'acme' });
    await registry.delete(first?.sourceId ?? '');

    await expect(registry.clearTenant('acme')).resolves.toBe(2);
  });

  it('resolves to 0 and appends nothing for a tenant with no sources', async () => {
    const { registry } = await threeTenantsOfSources(harness);
    const position = registry.position;

    await expect(registry.clearTenant('umbrella')).resolves.toBe(0);
    expect(registry.position).toBe(position);
  });

  it('frees the names of the tenant', async () => {
    const { registry } = await threeTenantsOfSources(harness);
    await registry.clearTenant('acme');

    const again = await registry.register(databaseInput({ tenantId: 'acme', name: 'Orders' }));

    expect(registry.getByName('acme', 'orders')).toBe(again);
  });

  it('refuses an expectedVersion, which applies to one source only', async () => {
    const { registry } = await threeTenantsOfSources(harness);

    await failsWith(
      () => registry.clearTenant('acme', { expectedVersion: 1 }),
      ErrorCode.INVALID_INPUT,
    );
    expect(registry.count({ tenantId: 'acme' })).toBe(3);
  });
});

describeEachFailingStore('registry.clearTenant on a store that refuses the append', (harness) => {
  it('deletes nothing, tells no listener, and fails with STORE_ERROR', async () => {
    const { registry, store, blockWrites } = await harness.createBlockableRegistry();
    for (const name of ['Orders', 'Billing', 'Events']) {
      await registry.register(databaseInput({ name }));
    }
    const listened = recordEvents(registry);
    const before = plainJson(registry.list());
    await blockWrites();

    await failsWith(() => registry.clearTenant('acme'), ErrorCode.STORE_ERROR);

    expect(plainJson(registry.list())).toBe(before);
    expect(registry.position).toBe(3);
    expect(await store.head()).toBe(3);
    expect(listened).toEqual([]);
  });
});

describe('registry.reset on a memory store', () => {
  it('forgets every source and every event of an in-memory registry', async () => {
    const { registry } = createTestRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await registry.activate(sourceId);

    await registry.reset();

    expect(registry.list()).toEqual([]);
    expect(registry.count()).toBe(0);
    expect(registry.getStatistics().totalSources).toBe(0);
    expect(registry.position).toBe(0);
    await expect(registry.history(sourceId)).resolves.toEqual([]);
  });

  it('lets the forgotten ids and names be used again', async () => {
    const { registry } = createTestRegistry();
    await registry.register(databaseInput({ sourceId: 'orders', name: 'Orders DB' }));
    await registry.reset();

    const again = await registry.register(databaseInput({ sourceId: 'orders', name: 'Orders DB' }));

    expect(again).toMatchObject({ sourceId: 'orders', version: 1 });
    expect(registry.position).toBe(1);
  });

  // reset() clears the store and the view but not the registry's record of the
  // last head the store announced, so later announcements below that head are
  // ignored and the registry no longer follows other writers on its own.
  it('keeps following the writes of another registry on the same store live', async () => {
    const { registry, store } = createTestRegistry();
    for (const name of ['a', 'b', 'c']) await registry.register(databaseInput({ name }));
    await settle();
    await registry.reset();
    const other = new DataSourceRegistry({ store });

    const written = await other.register(databaseInput({ name: 'Written elsewhere' }));
    await settle();

    expect(registry.get(written.sourceId)).toEqual(written);
  });
});

describeEachDurableStore('registry.reset on a durable store', (harness) => {
  it('is refused with FORBIDDEN, and the log is kept', async () => {
    const { registry, store } = await harness.createRegistry();
    await registry.register(databaseInput());

    await failsWith(() => registry.reset(), ErrorCode.FORBIDDEN);

    expect(registry.count()).toBe(1);
    expect(await store.head()).toBe(1);
  });
});
