/**
 * A command whose append fails in the driver (a locked SQLite file, a
 * PostgreSQL role without INSERT) is refused with STORE_ERROR, carries the
 * driver's error, and leaves the log, the projections and the listeners as
 * they were. Once the store writes again, so does the registry.
 */
import { expect, it } from 'vitest';
import { type DataSourceRegistry, ErrorCode } from '../../src/index.js';
import {
  databaseInput,
  failsWith,
  recordEvents,
  snapshotOf,
} from '../support/registry-fixtures.js';
import { describeEachFailingStore } from '../support/store-failures.js';

type Command = (registry: DataSourceRegistry, sourceId: string) => Promise<unknown>;

const commands: [string, Command][] = [
  ['register', (r) => r.register(databaseInput({ name: 'Billing DB' }))],
  ['update', (r, id) => r.update(id, { name: 'Orders (primary)', description: 'main' })],
  ['updateConfig', (r, id) => r.updateConfig(id, { host: 'moved.internal', password: 'new-pw' })],
  ['activate', (r, id) => r.activate(id)],
  ['recordError', (r, id) => r.recordError(id, 'timeout')],
  ['addTag', (r, id) => r.addTag(id, 'eu')],
  ['delete', (r, id) => r.delete(id)],
  ['clearTenant', (r) => r.clearTenant('acme')],
];

describeEachFailingStore('a command whose append the store refuses', (harness) => {
  it.each(commands)('%s fails with STORE_ERROR carrying the driver error', async (_, command) => {
    const { registry, blockWrites } = await harness.createBlockableRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await blockWrites();

    const error = await failsWith(() => command(registry, sourceId), ErrorCode.STORE_ERROR);

    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each(commands)(
    '%s leaves the log, the queries and the listeners as they were',
    async (_, command) => {
      const { registry, store, blockWrites } = await harness.createBlockableRegistry();
      const { sourceId } = await registry.register(databaseInput({ tags: ['prod'] }));
      const before = { head: await store.head(), snapshot: snapshotOf(registry) };
      const heard = recordEvents(registry);
      await blockWrites();

      await failsWith(() => command(registry, sourceId), ErrorCode.STORE_ERROR);

      expect(await store.head()).toBe(before.head);
      expect(registry.position).toBe(before.head);
      expect(snapshotOf(registry)).toBe(before.snapshot);
      expect(heard).toEqual([]);
    },
  );

  it.each(commands)('%s succeeds once the store writes again', async (_, command) => {
    const { registry, store, blockWrites, unblockWrites } = await harness.createBlockableRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await blockWrites();
    await failsWith(() => command(registry, sourceId), ErrorCode.STORE_ERROR);
    await unblockWrites();

    await command(registry, sourceId);

    expect(registry.position).toBe(await store.head());
    expect(registry.position).toBeGreaterThan(1);
  });
});
