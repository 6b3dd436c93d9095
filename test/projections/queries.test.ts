/**
 * The queries answered by the registry view: get, getByName, list, count and
 * position. They are synchronous and read only the projections.
 */
import { describe, expect, it } from 'vitest';
import {
  type DataSourceRegistry,
  DataSourceStatus,
  DataSourceType,
  ErrorCode,
  type ListFilter,
} from '../../src/index.js';
import { createTestRegistry, databaseInput, failsWith } from '../support/registry-fixtures.js';

/**
 * | id          | tenant | name    | type     | status     | tags      |
 * | acme-orders | acme   | Orders  | database | active     | prod, eu  |
 * | acme-bill   | acme   | Billing | database | pending    | prod      |
 * | acme-docs   | acme   | Docs    | document | active     | eu        |
 * | acme-vec    | acme   | Vectors | vector   | error      |           |
 * | acme-arch   | acme   | Archive | file     | deprecated | prod      |
 * | a-orders    | globex | Orders  | database | active     | prod      |
 * | glx-events  | globex | Events  | stream   | inactive   |           |
 */
async function catalogue() {
  const fixture = createTestRegistry();
  const { registry } = fixture;
  const add = (
    sourceId: string,
    tenantId: string,
    name: string,
    sourceType: DataSourceType,
    tags: string[],
  ) => registry.register(databaseInput({ sourceId, tenantId, name, sourceType, tags }));
  await add('acme-orders', 'acme', 'Orders', 'database', ['prod', 'eu']);
  await add('acme-bill', 'acme', 'Billing', 'database', ['prod']);
  await add('acme-docs', 'acme', 'Docs', 'document', ['eu']);
  await add('acme-vec', 'acme', 'Vectors', 'vector', []);
  await add('acme-arch', 'acme', 'Archive', 'file', ['prod']);
  await add('a-orders', 'globex', 'Orders', 'database', ['prod']);
  await add('glx-events', 'globex', 'Events', 'stream', []);
  await registry.activate('acme-orders');
  await registry.activate('acme-docs');
  await registry.recordError('acme-vec', 'timeout');
  await registry.deprecate('acme-arch');
  await registry.activate('a-orders');
  await registry.deactivate('glx-events');
  return fixture;
}

const ids = (registry: DataSourceRegistry, filter?: ListFilter) =>
  registry.list(filter).map((source) => source.sourceId);

describe('registry.get', () => {
  it('returns the live source with the id', async () => {
    const { registry } = await catalogue();

    expect(registry.get('acme-docs')).toMatchObject({ name: 'Docs', tenantId: 'acme' });
  });

  it('returns null for an unknown id', async () => {
    const { registry } = await catalogue();

    expect(registry.get('nope')).toBeNull();
  });
});

describe('registry.getByName', () => {
  it('finds a source by its name within its tenant', async () => {
    const { registry } = await catalogue();

    expect(registry.getByName('globex', 'Orders')?.sourceId).toBe('a-orders');
  });

  it('finds it whatever the letter case and the spaces around the name', async () => {
    const { registry } = await catalogue();

    expect(registry.getByName('acme', '  oRDERS ')?.sourceId).toBe('acme-orders');
  });

  it('finds it whatever the Unicode normalization of the name', async () => {
    const { registry } = createTestRegistry();
    const cafe = await registry.register(databaseInput({ name: 'Caf\u00e9' }));

    expect(registry.getByName('acme', 'Cafe\u0301')).toBe(cafe);
  });

  it('trims the tenant id', async () => {
    const { registry } = await catalogue();

    expect(registry.getByName(' acme ', 'Docs')?.sourceId).toBe('acme-docs');
  });

  it('returns null for a name used only in another tenant', async () => {
    const { registry } = await catalogue();

    expect(registry.getByName('globex', 'Docs')).toBeNull();
  });

  it('returns null for an unknown tenant', async () => {
    const { registry } = await catalogue();

    expect(registry.getByName('umbrella', 'Orders')).toBeNull();
  });
});

describe('registry.list', () => {
  it('lists every live source of every tenant, sorted by name then sourceId', async () => {
    const { registry } = await catalogue();

    expect(ids(registry)).toEqual([
      'acme-arch',
      'acme-bill',
      'acme-docs',
      'glx-events',
      'a-orders',
      'acme-orders',
      'acme-vec',
    ]);
  });

  it('breaks ties between equal names by sourceId', async () => {
    const { registry } = await catalogue();

    expect(ids(registry).filter((id) => id.endsWith('orders'))).toEqual([
      'a-orders',
      'acme-orders',
    ]);
  });

  it('filters by tenant', async () => {
    const { registry } = await catalogue();

    expect(ids(registry, { tenantId: 'globex' })).toEqual(['glx-events', 'a-orders']);
  });

  it('filters by source type', async () => {
    const { registry } = await catalogue();

    expect(ids(registry, { sourceType: DataSourceType.DATABASE })).toEqual([
      'acme-bill',
      'a-orders',
      'acme-orders',
    ]);
  });

  it('filters by status', async () => {
    const { registry } = await catalogue();

    expect(ids(registry, { status: DataSourceStatus.ACTIVE })).toEqual([
      'acme-docs',
      'a-orders',
      'acme-orders',
    ]);
  });

  it('filters by tag', async () => {
    const { registry } = await catalogue();

    expect(ids(registry, { tag: 'prod' })).toEqual([
      'acme-arch',
      'acme-bill',
      'a-orders',
      'acme-orders',
    ]);
  });

  it('combines tenant and status', async () => {
    const { registry } = await catalogue();

    expect(ids(registry, { tenantId: 'acme', status: 'active' })).toEqual([
      'acme-docs',
      'acme-orders',
    ]);
  });

  it('combines tenant, source type and tag', async () => {
    const { registry } = await catalogue();

    expect(ids(registry, { tenantId: 'acme', sourceType: 'database', tag: 'prod' })).toEqual([
      'acme-bill',
      'acme-orders',
    ]);
  });

  it('combines every filter', async () => {
    const { registry } = await catalogue();

    expect(
      ids(registry, { tenantId: 'acme', sourceType: 'database', status: 'active', tag: 'eu' }),
    ).toEqual(['acme-orders']);
  });

  it('returns an empty list when nothing matches', async () => {
    const { registry } = await catalogue();

    expect(registry.list({ tenantId: 'umbrella' })).toEqual([]);
    expect(registry.list({ tag: 'nope' })).toEqual([]);
    expect(registry.list({ tenantId: 'globex', status: 'error' })).toEqual([]);
  });

  it('trims the tenant and the tag of the filter', async () => {
    const { registry } = await catalogue();

    expect(ids(registry, { tenantId: ' globex ', tag: ' prod' })).toEqual(['a-orders']);
  });

  it('moves a renamed source to its new place in the order', async () => {
    const { registry } = await catalogue();
    ids(registry, { tenantId: 'acme' }); // the order is now known, and must not go stale

    await registry.update('acme-vec', { name: 'Analytics' });

    expect(ids(registry, { tenantId: 'acme' })).toEqual([
      'acme-vec',
      'acme-arch',
      'acme-bill',
      'acme-docs',
      'acme-orders',
    ]);
  });

  it('takes a page with limit and offset', async () => {
    const { registry } = await catalogue();

    expect(ids(registry, { limit: 3, offset: 2 })).toEqual(['acme-docs', 'glx-events', 'a-orders']);
  });

  it('takes a page of a filtered list with limit and offset', async () => {
    const { registry } = await catalogue();

    expect(ids(registry, { tag: 'prod', limit: 2, offset: 1 })).toEqual(['acme-bill', 'a-orders']);
    expect(ids(registry, { status: 'active', limit: 1, offset: 2 })).toEqual(['acme-orders']);
  });

  it('visits every source exactly once when paging through', async () => {
    const { registry } = await catalogue();
    const paged: string[] = [];

    for (let offset = 0; offset < 10; offset += 2)
      paged.push(...ids(registry, { limit: 2, offset }));

    expect(paged).toEqual(ids(registry));
  });

  it('returns at most 100 sources unless told otherwise', async () => {
    const { registry } = createTestRegistry();
    for (let i = 0; i < 105; i++) {
      await registry.register(databaseInput({ name: `db-${String(i).padStart(3, '0')}` }));
    }

    expect(registry.list()).toHaveLength(100);
    expect(registry.list({ limit: 200 })).toHaveLength(105);
    expect(registry.list({ offset: 100 }).map((s) => s.name)).toEqual([
      'db-100',
      'db-101',
      'db-102',
      'db-103',
      'db-104',
    ]);
  });

  it('returns nothing with limit 0', async () => {
    const { registry } = await catalogue();

    expect(registry.list({ limit: 0 })).toEqual([]);
  });

  it('returns nothing with an offset past the end', async () => {
    const { registry } = await catalogue();

    expect(registry.list({ offset: 50 })).toEqual([]);
  });

  it('hands back a frozen array', async () => {
    const { registry } = await catalogue();

    expect(Object.isFrozen(registry.list())).toBe(true);
  });

  it.each([
    ['an unknown key', { tenant: 'acme' }],
    ['a negative limit', { limit: -1 }],
    ['a fractional offset', { offset: 1.5 }],
    ['an unknown status', { status: 'broken' }],
    ['an unknown source type', { sourceType: 'mainframe' }],
    ['a blank tag', { tag: ' ' }],
  ])('refuses %s with INVALID_INPUT', async (_, filter) => {
    const { registry } = await catalogue();

    const error = await failsWith(
      () => registry.list(filter as ListFilter),
      ErrorCode.INVALID_INPUT,
    );

    expect(error.details.issues).toEqual([
      { path: expect.any(String), message: expect.any(String) },
    ]);
  });
});

describe('registry.count', () => {
  it('counts every live source', async () => {
    const { registry } = await catalogue();
    await registry.delete('acme-docs');

    expect(registry.count()).toBe(6);
  });

  it.each<[string, ListFilter]>([
    ['tenant', { tenantId: 'acme' }],
    ['source type', { sourceType: 'database' }],
    ['status', { status: 'active' }],
    ['tag', { tag: 'prod' }],
    ['tenant and tag', { tenantId: 'acme', tag: 'eu' }],
    ['tenant, type and status', { tenantId: 'acme', sourceType: 'database', status: 'pending' }],
  ])('counts what list returns for a filter by %s', async (_, filter) => {
    const { registry } = await catalogue();

    expect(registry.count(filter)).toBe(registry.list({ ...filter, limit: 1e9 }).length);
  });

  it('ignores limit and offset', async () => {
    const { registry } = await catalogue();

    expect(registry.count({ tenantId: 'acme', limit: 1, offset: 3 })).toBe(5);
  });

  it('is 0 for an unknown tenant', async () => {
    const { registry } = await catalogue();

    expect(registry.count({ tenantId: 'umbrella' })).toBe(0);
  });
});

describe('registry.position', () => {
  it('is 0 for a new registry', () => {
    const { registry } = createTestRegistry();

    expect(registry.position).toBe(0);
  });

  it('is the position of the last event applied', async () => {
    const { registry } = createTestRegistry();
    const { sourceId } = await registry.register(databaseInput());

    await registry.update(sourceId, { name: 'x', description: 'y' });

    expect(registry.position).toBe(3);
    expect((await registry.history(sourceId)).at(-1)?.position).toBe(3);
  });
});
