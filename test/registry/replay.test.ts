/**
 * The registry's state is a fold over its log: a registry opened on the same
 * store rebuilds the same state, byte for byte.
 */
import { expect, it } from 'vitest';
import { DataSourceRegistry, DataSourceType, ErrorCode } from '../../src/index.js';
import { plainJson } from '../support/plain.js';
import {
  databaseInput,
  failsWith,
  isDeeplyFrozen,
  snapshotOf,
} from '../support/registry-fixtures.js';
import {
  describeEachDurableStore,
  describeEachStore,
  type StoreHarness,
} from '../support/store-matrix.js';

/** A registry that went through every kind of command, over three tenants. */
async function busyRegistry(harness: StoreHarness) {
  const fixture = await harness.createRegistry();
  const { registry, clock } = fixture;
  const tick = () => clock.advance(1_000);
  const orders = await registry.register(
    databaseInput({ tags: ['prod'], metadata: { team: 'payments' }, accessRoles: ['admin'] }),
  );
  tick();
  const docs = await registry.register(
    databaseInput({ name: 'Docs', sourceType: DataSourceType.DOCUMENT, config: { host: 'mongo' } }),
  );
  const files = await registry.register(
    databaseInput({ tenantId: 'globex', name: 'Files', sourceType: DataSourceType.FILE }),
  );
  await registry.register(databaseInput({ tenantId: 'initech', name: 'Stream' }));
  await registry.register(databaseInput({ tenantId: 'initech', name: 'Vectors' }));
  tick();
  await registry.activate(orders.sourceId);
  await registry.recordConnection(orders.sourceId);
  await registry.recordConnection(orders.sourceId);
  tick();
  await registry.update(orders.sourceId, {
    name: 'Orders',
    description: 'primary',
    metadata: { team: 'core' },
  });
  await registry.updateConfig(docs.sourceId, { host: 'mongo-2', password: 'docs-pw' });
  await registry.recordError(docs.sourceId, 'auth failed');
  await registry.addTag(docs.sourceId, 'eu');
  await registry.removeTag(orders.sourceId, 'prod');
  await registry.grantAccess(files.sourceId, 'auditor');
  await registry.revokeAccess(orders.sourceId, 'admin');
  await registry.deprecate(files.sourceId);
  await registry.recordError(files.sourceId, 'gone');
  tick();
  await registry.clearTenant('initech');
  await registry.register(databaseInput({ tenantId: 'initech', name: 'Stream' }));
  await registry.delete(docs.sourceId);
  return fixture;
}

describeEachStore('DataSourceRegistry.open on the same log', (harness) => {
  it('rebuilds the sources and statistics byte for byte', async () => {
    const { registry, reopen } = await busyRegistry(harness);

    const replayed = await reopen();

    expect(snapshotOf(replayed)).toBe(snapshotOf(registry));
  });

  it('rebuilds the list and the overall statistics as the same JSON', async () => {
    const { registry, reopen } = await busyRegistry(harness);

    const replayed = await reopen();

    expect(plainJson(replayed.list({ limit: 1e9 }))).toBe(plainJson(registry.list({ limit: 1e9 })));
    expect(JSON.stringify(replayed.getStatistics())).toBe(JSON.stringify(registry.getStatistics()));
  });

  it('reaches the same position', async () => {
    const { registry, reopen } = await busyRegistry(harness);

    const replayed = await reopen();

    expect(replayed.position).toBe(registry.position);
  });

  it('answers getByName for renamed sources and forgets deleted ones', async () => {
    const { registry, reopen } = await busyRegistry(harness);

    const replayed = await reopen();

    expect(replayed.getByName('acme', 'orders')).toEqual(registry.getByName('acme', 'Orders'));
    expect(replayed.getByName('acme', 'Docs')).toBeNull();
  });

  it('keeps the name claims: a taken name is still refused', async () => {
    const { reopen } = await busyRegistry(harness);

    const replayed = await reopen();

    await failsWith(
      () => replayed.register(databaseInput({ tenantId: 'globex', name: 'files' })),
      ErrorCode.DUPLICATE_NAME,
    );
  });

  it('keeps the ids of deleted sources used up', async () => {
    const { store, reopen } = await busyRegistry(harness);
    const [deleted] = (await store.readAll()).filter((e) => e.type === 'DataSourceDeleted');

    const replayed = await reopen();

    expect(replayed.get(deleted?.sourceId ?? '')).toBeNull();
    await failsWith(
      () => replayed.register(databaseInput({ name: 'New', sourceId: deleted?.sourceId })),
      ErrorCode.DUPLICATE_ID,
    );
  });

  it('hands out deeply frozen sources', async () => {
    const { reopen } = await busyRegistry(harness);

    const replayed = await reopen();

    expect(replayed.list().every(isDeeplyFrozen)).toBe(true);
  });

  it('continues the log after its last position', async () => {
    const { registry, store, reopen } = await busyRegistry(harness);
    const replayed = await reopen();
    // Read now: the first registry follows the log and will see the new event too.
    const head = registry.position;

    const added = await replayed.register(databaseInput({ name: 'After replay' }));

    // Positions only increase: PostgreSQL may skip a number that a rolled-back
    // transaction took, so the new event is the first after the head, not head + 1.
    const after = await store.readAll({ after: head });
    expect(after.map((event) => [event.type, event.sourceId])).toEqual([
      ['DataSourceRegistered', added.sourceId],
    ]);
  });

  it.runIf(!harness.durable)(
    'gives the same result as the constructor on a memory store',
    async () => {
      const { store } = await busyRegistry(harness);

      const opened = await DataSourceRegistry.open({ store });
      const constructed = new DataSourceRegistry({ store });

      expect(snapshotOf(constructed)).toBe(snapshotOf(opened));
    },
  );

  it('of an empty log gives an empty registry', async () => {
    const { reopen } = await harness.createRegistry();

    const registry = await reopen();

    expect(registry.list()).toEqual([]);
    expect(registry.position).toBe(0);
  });
});

describeEachDurableStore('a durable store', (harness) => {
  it('is refused by the constructor with FORBIDDEN, as it must be replayed first', async () => {
    const { openStore } = await harness.createRegistry();

    await failsWith(() => new DataSourceRegistry({ store: openStore() }), ErrorCode.FORBIDDEN);
  });

  it('is replayed by open into the same state, secrets included', async () => {
    const { registry: writer, reopen } = await harness.createRegistry();
    const { sourceId } = await writer.register(databaseInput());
    await writer.activate(sourceId);

    const reader = await reopen();

    expect(snapshotOf(reader)).toBe(snapshotOf(writer));
    expect(reader.get(sourceId)?.config.password).toBe(writer.get(sourceId)?.config.password);
  });
});
