import { performance } from 'node:perf_hooks';
import { nameKey } from '../../src/domain/data-source.js';
import type { CustomerDataSource, DataSourceRegistry, ListFilter } from '../../src/index.js';
import { generateLog } from '../events.js';
import { median, microsPerCall } from '../measure.js';
import type { Row } from '../report.js';
import { registryOn } from '../seed.js';
import type { BenchContext, Workload } from '../workload.js';

/** Sources per tenant: the measured tenant has this many whatever the registry's size. */
const TENANT_SIZE = 100;
const PAGE = 50;

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The registry's list order (the name as users read it, then the exact name,
 * then the id), each source's key computed once, as one would sort by hand.
 */
function inListOrder(sources: readonly CustomerDataSource[]): CustomerDataSource[] {
  const rows = sources.map((s) => [nameKey(s.name), s.name, s.sourceId, s] as const);
  rows.sort(
    (a, b) => compareText(a[0], b[0]) || compareText(a[1], b[1]) || compareText(a[2], b[2]),
  );
  return rows.map((row) => row[3]);
}

/** The baseline list: every source looked at, the tenant's filtered out and sorted. */
function scanList(all: readonly CustomerDataSource[], tenantId: string) {
  return inListOrder(all.filter((s) => s.tenantId === tenantId)).slice(0, PAGE);
}

/** The baseline statistics: every source looked at, the tenant's counted. */
function scanStats(all: readonly CustomerDataSource[], tenantId: string) {
  const byStatus: Record<string, number> = {};
  const byType: Record<string, number> = {};
  let total = 0;
  let connections = 0;
  let errors = 0;
  for (const s of all) {
    if (s.tenantId !== tenantId) continue;
    total++;
    byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
    byType[s.sourceType] = (byType[s.sourceType] ?? 0) + 1;
    connections += s.connectionCount;
    errors += s.errorCount;
  }
  return { total, byStatus, byType, connections, errors };
}

/** Counts the sources added by `listAfterChange`, so their names stay unique. */
let added = 0;

/** The tag every measured source carries, so a tag list has pages to show. */
const TAG = 'measured';

/**
 * Median µs of the first `list` after a change: a rename of a source in the
 * tenant, or a new source in it. Either moves an entry in the tenant's order
 * and in the order of all tenants; a list that sorted on read would sort here.
 */
async function listAfterChange(
  registry: DataSourceRegistry,
  sourceId: string,
  samples: number,
  filter: ListFilter,
  change: 'rename' | 'register',
): Promise<number> {
  const times: number[] = [];
  const tenantId = registry.get(sourceId)?.tenantId as string;
  for (let i = 0; i < samples; i++) {
    if (change === 'rename') await registry.update(sourceId, { name: `renamed-${i}-${sourceId}` });
    else {
      const joined = await registry.register({
        tenantId,
        name: `added-${added++}`,
        sourceType: 'database',
        config: { host: 'added.internal.example', port: 5432 },
        tags: [TAG],
      });
      await registry.delete(joined.sourceId);
      await registry.register({
        tenantId,
        name: `added-${added++}`,
        sourceType: 'database',
        config: { host: 'joined.internal.example', port: 5432 },
        tags: [TAG],
      });
    }
    const start = performance.now();
    registry.list({ ...filter, limit: PAGE });
    times.push((performance.now() - start) * 1000);
  }
  return median(times);
}

interface SizeFigures {
  total: number;
  list: number;
  stats: number;
  scanList: number;
  scanStats: number;
  listAfterChange: number;
  listAfterJoin: number;
  globalList: number;
  globalAfterChange: number;
  globalAfterJoin: number;
  tagList: number;
  tagAfterChange: number;
}

/** A registry of `tenants` tenants of TENANT_SIZE sources, and the queries timed on it. */
interface Prepared {
  total: number;
  registry: DataSourceRegistry;
  tenantId: string;
  all: readonly CustomerDataSource[];
  mine: CustomerDataSource;
  list: () => unknown;
  stats: () => unknown;
}

async function prepare(context: BenchContext, tenants: number): Promise<Prepared> {
  const total = tenants * TENANT_SIZE;
  context.progress(`queries: ${total.toLocaleString('en-US')} sources in ${tenants} tenants`);
  const log = generateLog({ sources: total, tenants, eventsPerSource: 4, deleteEvery: 0 });
  const registry = await registryOn(log.events);
  const tenantId = log.tenantIds[0] as string;
  if (registry.count({ tenantId }) !== TENANT_SIZE) throw new Error('queries: wrong tenant size');
  return {
    total,
    registry,
    tenantId,
    all: registry.list({ limit: registry.count() }),
    mine: registry.list({ tenantId, limit: 1 })[0] as CustomerDataSource,
    list: () => registry.list({ tenantId, limit: PAGE }),
    stats: () => registry.getStatistics(tenantId),
  };
}

/**
 * Times the same query on each registry, block by block in turn, so that a
 * change in the machine's load lands on both sizes alike, not on one.
 */
function interleaved(
  prepared: readonly Prepared[],
  calls: (p: Prepared) => number,
  query: (p: Prepared) => () => unknown,
): number[] {
  const samples: number[][] = prepared.map(() => []);
  for (let block = 0; block < 7; block++) {
    for (const [i, p] of prepared.entries()) samples[i]?.push(microsPerCall(calls(p), 1, query(p)));
  }
  return samples.map(median);
}

async function measure(context: BenchContext, prepared: readonly Prepared[]) {
  const calls = context.quick ? 2_000 : 10_000;
  const scans = (p: Prepared) => Math.max(3, Math.round(1_000_000 / p.total));
  // Warm-up; the first list also sorts the tenant once, and the order is kept after that.
  for (const p of prepared) microsPerCall(calls, 2, p.list);
  for (const p of prepared) microsPerCall(calls, 2, p.stats);
  const list = interleaved(
    prepared,
    () => calls,
    (p) => p.list,
  );
  const stats = interleaved(
    prepared,
    () => calls,
    (p) => p.stats,
  );
  const scanLists = interleaved(prepared, scans, (p) => () => scanList(p.all, p.tenantId));
  const scanStat = interleaved(prepared, scans, (p) => () => scanStats(p.all, p.tenantId));
  const figures: SizeFigures[] = [];
  for (const [i, p] of prepared.entries()) {
    const { registry, tenantId } = p;
    const id = p.mine.sourceId;
    await registry.addTag(id, TAG);
    const warm = (filter: ListFilter) => () => registry.list({ ...filter, limit: PAGE });
    figures.push({
      total: p.total,
      list: list[i] as number,
      stats: stats[i] as number,
      scanList: scanLists[i] as number,
      scanStats: scanStat[i] as number,
      listAfterChange: await listAfterChange(registry, id, 25, { tenantId }, 'rename'),
      listAfterJoin: await listAfterChange(registry, id, 25, { tenantId }, 'register'),
      globalList: microsPerCall(calls, 3, warm({})),
      globalAfterChange: await listAfterChange(registry, id, 25, {}, 'rename'),
      globalAfterJoin: await listAfterChange(registry, id, 25, {}, 'register'),
      tagList: microsPerCall(calls, 3, warm({ tag: TAG })),
      tagAfterChange: await listAfterChange(registry, id, 25, { tag: TAG }, 'rename'),
    });
  }
  return figures;
}

function rowsFor(f: SizeFigures): Row[] {
  const size = `1 tenant of ${TENANT_SIZE} among ${f.total.toLocaleString('en-US')} sources`;
  const all = `${f.total.toLocaleString('en-US')} sources`;
  return [
    {
      workload: 'queries',
      measure: `list({ tenantId, limit: ${PAGE} }), ${size}`,
      value: f.list,
      unit: 'µs/op',
      baseline: { label: 'scan all + filter + sort', value: f.scanList },
      verdict: 'info',
    },
    {
      workload: 'queries',
      measure: `getStatistics(tenantId), ${size}`,
      value: f.stats,
      unit: 'µs/op',
      baseline: { label: 'scan all + count', value: f.scanStats },
      verdict: 'info',
    },
    {
      workload: 'queries',
      measure: `first tenant list after a rename in it, ${size}`,
      value: f.listAfterChange,
      unit: 'µs/op',
      baseline: { label: 'warm page of the tenant', value: f.list },
      verdict: 'info',
    },
    {
      workload: 'queries',
      measure: `first tenant list after a source joined and one left, ${size}`,
      value: f.listAfterJoin,
      unit: 'µs/op',
      baseline: { label: 'warm page of the tenant', value: f.list },
      verdict: 'info',
    },
    {
      workload: 'queries',
      measure: `first list() of all tenants after a rename, ${all}`,
      value: f.globalAfterChange,
      unit: 'µs/op',
      baseline: { label: 'warm list() page', value: f.globalList },
      verdict: 'info',
    },
    {
      workload: 'queries',
      measure: `first list() of all tenants after a source joined and one left, ${all}`,
      value: f.globalAfterJoin,
      unit: 'µs/op',
      baseline: { label: 'warm list() page', value: f.globalList },
      verdict: 'info',
    },
    {
      workload: 'queries',
      measure: `first list({ tag }) of all tenants after a rename, ${all}`,
      value: f.tagAfterChange,
      unit: 'µs/op',
      baseline: { label: 'warm list({ tag }) page', value: f.tagList },
      verdict: 'info',
    },
  ];
}

async function run(context: BenchContext): Promise<Row[]> {
  const [fewer, more] = context.quick ? [10, 100] : [100, 1_000];
  const prepared = [await prepare(context, fewer), await prepare(context, more)];
  context.progress('queries: timing both sizes in turn');
  const [small, large] = (await measure(context, prepared)) as [SizeFigures, SizeFigures];
  for (const p of prepared) await p.registry.close();
  const growth = (a: number, b: number) => b / a;
  const independence = (what: string, a: number, b: number): Row => ({
    workload: 'queries',
    measure: `${what}: same tenant, ${large.total.toLocaleString('en-US')} vs ${small.total.toLocaleString('en-US')} sources`,
    value: b,
    unit: 'µs/op',
    baseline: { label: `among ${small.total.toLocaleString('en-US')}`, value: a },
    target: 'independent of other tenants (≤ 1.5×)',
    verdict: growth(a, b) <= 1.5 ? 'met' : 'missed',
  });
  return [
    ...rowsFor(small),
    ...rowsFor(large),
    independence('list', small.list, large.list),
    independence('getStatistics', small.stats, large.stats),
    independence('first list after a rename', small.listAfterChange, large.listAfterChange),
  ];
}

export const queriesWorkload: Workload = {
  name: 'queries',
  description: "One tenant's page and statistics vs a linear scan, with 10× more other tenants",
  run,
};
