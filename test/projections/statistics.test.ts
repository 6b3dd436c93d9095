import { describe, expect, it } from 'vitest';
import { DataSourceStats, type DataSourceType, ErrorCode } from '../../src/index.js';
import {
  createTestRegistry,
  databaseInput,
  failsWith,
  isDeeplyFrozen,
  recount,
} from '../support/registry-fixtures.js';

/** Two tenants with sources in every status but one, connections and errors. */
async function twoTenants() {
  const fixture = createTestRegistry();
  const { registry } = fixture;
  const reg = (tenantId: string, name: string, sourceType: DataSourceType) =>
    registry.register(databaseInput({ tenantId, name, sourceType }));
  const orders = await reg('acme', 'Orders', 'database');
  const docs = await reg('acme', 'Docs', 'document');
  const lake = await reg('acme', 'Lake', 'file');
  await reg('acme', 'Pending', 'database');
  const events = await reg('globex', 'Events', 'stream');
  const api = await reg('globex', 'Api', 'api');
  await registry.activate(orders.sourceId);
  await registry.recordConnection(orders.sourceId);
  await registry.recordConnection(orders.sourceId);
  await registry.recordConnection(orders.sourceId);
  await registry.recordError(docs.sourceId, 'auth');
  await registry.recordError(docs.sourceId, 'auth again');
  await registry.updateConfig(lake.sourceId, { host: 'lake' });
  await registry.deactivate(events.sourceId);
  await registry.recordConnection(api.sourceId);
  await registry.deprecate(api.sourceId);
  await registry.recordError(api.sourceId, 'retired endpoint called');
  return fixture;
}

describe('registry.getStatistics', () => {
  it('of an empty registry counts nothing', () => {
    const { registry } = createTestRegistry();

    expect(registry.getStatistics()).toEqual({
      totalSources: 0,
      activeSources: 0,
      inactiveSources: 0,
      errorSources: 0,
      pendingSources: 0,
      configuringSources: 0,
      deprecatedSources: 0,
      sourcesByType: {},
      totalConnections: 0,
      totalErrors: 0,
    });
  });

  it('counts the sources of every tenant by status and type, with their connections and errors', async () => {
    const { registry } = await twoTenants();

    expect(registry.getStatistics()).toEqual({
      totalSources: 6,
      activeSources: 1,
      inactiveSources: 1,
      errorSources: 1,
      pendingSources: 1,
      configuringSources: 1,
      deprecatedSources: 1,
      sourcesByType: { database: 2, document: 1, file: 1, api: 1, stream: 1 },
      totalConnections: 4,
      totalErrors: 3,
    });
  });

  it('counts the sources of one tenant only when given its id', async () => {
    const { registry } = await twoTenants();

    expect(registry.getStatistics('globex')).toEqual({
      totalSources: 2,
      activeSources: 0,
      inactiveSources: 1,
      errorSources: 0,
      pendingSources: 0,
      configuringSources: 0,
      deprecatedSources: 1,
      sourcesByType: { api: 1, stream: 1 },
      totalConnections: 1,
      totalErrors: 1,
    });
  });

  it('lists in sourcesByType only the types that have sources', async () => {
    const { registry } = await twoTenants();

    expect(Object.keys(registry.getStatistics('acme').sourcesByType).sort()).toEqual([
      'database',
      'document',
      'file',
    ]);
  });

  it('adds up over the tenants to the overall statistics', async () => {
    const { registry } = await twoTenants();
    const acme = registry.getStatistics('acme');
    const globex = registry.getStatistics('globex');

    expect(registry.getStatistics().totalSources).toBe(acme.totalSources + globex.totalSources);
    expect(registry.getStatistics().totalConnections).toBe(
      acme.totalConnections + globex.totalConnections,
    );
  });

  it('equals a recount of the listed sources, overall and per tenant', async () => {
    const { registry } = await twoTenants();

    expect(registry.getStatistics()).toEqual(recount(registry.list({ limit: 1e9 })));
    for (const tenantId of ['acme', 'globex']) {
      expect(registry.getStatistics(tenantId)).toEqual(
        recount(registry.list({ tenantId, limit: 1e9 })),
      );
    }
  });

  it('follows a status change: the source leaves one count and joins another', async () => {
    const { registry } = await twoTenants();
    const docs = registry.getByName('acme', 'Docs');

    await registry.activate(docs?.sourceId ?? '');

    expect(registry.getStatistics('acme')).toMatchObject({ activeSources: 2, errorSources: 0 });
  });

  it('counts nothing for a tenant with no sources', async () => {
    const { registry } = await twoTenants();

    expect(registry.getStatistics('umbrella').totalSources).toBe(0);
  });

  it('forgets a cleared tenant entirely', async () => {
    const { registry } = await twoTenants();

    await registry.clearTenant('acme');

    expect(registry.getStatistics('acme')).toEqual(recount([]));
    expect(registry.getStatistics()).toEqual(registry.getStatistics('globex'));
  });

  it('hands back frozen statistics', async () => {
    const { registry } = await twoTenants();

    expect(isDeeplyFrozen(registry.getStatistics())).toBe(true);
  });

  it('refuses a blank tenant id with INVALID_INPUT', async () => {
    const { registry } = await twoTenants();

    await failsWith(() => registry.getStatistics('  '), ErrorCode.INVALID_INPUT);
  });
});

describe('DataSourceStats.toDict', () => {
  it('gives the statistics with the snake_case keys of the Python module', async () => {
    const { registry } = await twoTenants();

    expect(DataSourceStats.toDict(registry.getStatistics('acme'))).toEqual({
      total_sources: 4,
      active_sources: 1,
      inactive_sources: 0,
      error_sources: 1,
      pending_sources: 1,
      configuring_sources: 1,
      deprecated_sources: 0,
      sources_by_type: { database: 2, document: 1, file: 1 },
      total_connections: 3,
      total_errors: 2,
    });
  });

  it('gives a plain copy that can be changed without touching the statistics', async () => {
    const { registry } = await twoTenants();
    const stats = registry.getStatistics();

    const dict = DataSourceStats.toDict(stats) as { sources_by_type: Record<string, number> };
    dict.sources_by_type.database = 99;

    expect(stats.sourcesByType.database).toBe(2);
  });
});
