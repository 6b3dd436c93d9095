import { describe, expect, it } from 'vitest';
import { createMemoryEventStore, DataSourceRegistry } from '../../src/index.js';
import { eventually } from '../support/postgres.js';
import { databaseInput } from '../support/registry-fixtures.js';

const names = (registry: DataSourceRegistry, tenantId = 'acme') =>
  registry.list({ tenantId }).map((source) => source.name);

describe("a tenant's list after it was read once", () => {
  it('shows a source registered after the list was read, in its place', async () => {
    const registry = new DataSourceRegistry();
    await registry.register(databaseInput({ name: 'b' }));
    await registry.register(databaseInput({ name: 'd' }));
    expect(names(registry)).toEqual(['b', 'd']);

    await registry.register(databaseInput({ name: 'c' }));
    await registry.register(databaseInput({ name: 'a' }));

    expect(names(registry)).toEqual(['a', 'b', 'c', 'd']);
    expect(registry.list().map((source) => source.name)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('moves a renamed source to its new place', async () => {
    const registry = new DataSourceRegistry();
    const a = await registry.register(databaseInput({ name: 'a' }));
    await registry.register(databaseInput({ name: 'b' }));
    expect(names(registry)).toEqual(['a', 'b']);

    await registry.update(a.sourceId, { name: 'c' });

    expect(names(registry)).toEqual(['b', 'c']);
  });

  it('drops a deleted source', async () => {
    const registry = new DataSourceRegistry();
    const a = await registry.register(databaseInput({ name: 'a' }));
    await registry.register(databaseInput({ name: 'b' }));
    expect(names(registry)).toEqual(['a', 'b']);

    await registry.delete(a.sourceId);

    expect(names(registry)).toEqual(['b']);
  });

  it('shows a source another registry on the same store registered, once caught up', async () => {
    const store = createMemoryEventStore();
    const writer = new DataSourceRegistry({ store });
    await writer.register(databaseInput({ name: 'b' }));
    const reader = new DataSourceRegistry({ store });
    expect(names(reader)).toEqual(['b']);

    await writer.register(databaseInput({ name: 'a' }));
    await eventually(async () => reader.position === 2, 'the reader to apply the registration');

    expect(names(reader)).toEqual(['a', 'b']);
  });
});
