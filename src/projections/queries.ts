import { type CustomerDataSource, nameKey } from '../domain/data-source.js';
import type { DataSourceStatus, DataSourceType } from '../domain/enums.js';
import { type ListOrder, visitFrom } from './list-order.js';
import type { QueryProjections } from './query-projections.js';
import { emptySourceIndex } from './source-index.js';
import { type DataSourceStats, statsOf } from './statistics.js';

export function getSource(
  projections: QueryProjections,
  sourceId: string,
): CustomerDataSource | null {
  return projections.sources.get(sourceId) ?? null;
}

export function getSourceByName(
  projections: QueryProjections,
  tenantId: string,
  name: string,
): CustomerDataSource | null {
  const sourceId = projections.tenants.get(tenantId)?.byName.get(nameKey(name));
  // Stryker disable next-line ConditionalExpression: getSource of undefined is null too
  return sourceId === undefined ? null : getSource(projections, sourceId);
}

/** What `list` and `count` filter on. */
export interface SourceFilter {
  tenantId?: string;
  sourceType?: DataSourceType;
  status?: DataSourceStatus;
  tag?: string;
}

/**
 * The ids a filter starts from, in list order, kept sorted on write. Scoped
 * to the tenant's own index, so its cost does not grow with other tenants'
 * sources.
 */
function candidates(projections: QueryProjections, filter: SourceFilter): ListOrder | undefined {
  const index =
    filter.tenantId === undefined ? projections.all : projections.tenants.get(filter.tenantId);
  if (!index) return undefined;
  return filter.tag === undefined ? index.order : index.byTag.get(filter.tag);
}

function matches(source: CustomerDataSource, filter: SourceFilter): boolean {
  return (
    (filter.sourceType === undefined || source.sourceType === filter.sourceType) &&
    (filter.status === undefined || source.status === filter.status)
  );
}

/** Live sources matching the filter, in list order, one page of them. */
export function listSources(
  projections: QueryProjections,
  filter: SourceFilter,
  offset: number,
  limit: number,
): readonly CustomerDataSource[] {
  const order = candidates(projections, filter);
  const page: CustomerDataSource[] = [];
  if (!order || limit <= 0) return Object.freeze(page);
  const plain = filter.sourceType === undefined && filter.status === undefined;
  // Without a type or status filter every candidate matches: the page starts at the offset.
  let skip = plain ? 0 : offset;
  visitFrom(order, plain ? offset : 0, (id) => {
    const source = getSource(projections, id);
    if (!source || !matches(source, filter)) return true;
    if (skip > 0) {
      skip--;
      return true;
    }
    page.push(source);
    return page.length < limit;
  });
  return Object.freeze(page);
}

/** How many live sources match the filter. */
export function countSources(projections: QueryProjections, filter: SourceFilter): number {
  const index =
    filter.tenantId === undefined ? projections.all : projections.tenants.get(filter.tenantId);
  if (!index) return 0;
  if (filter.tag === undefined && filter.sourceType === undefined && filter.status === undefined) {
    return index.stats.total;
  }
  const order = candidates(projections, filter);
  if (!order) return 0;
  if (filter.sourceType === undefined && filter.status === undefined) return order.size;
  let n = 0;
  visitFrom(order, 0, (id) => {
    const source = getSource(projections, id);
    if (source && matches(source, filter)) n++;
    return true;
  });
  return n;
}

/** Statistics of one tenant's live sources, or of all; read from counters, never a scan. */
export function statisticsOf(projections: QueryProjections, tenantId?: string): DataSourceStats {
  const index = tenantId === undefined ? projections.all : projections.tenants.get(tenantId);
  return statsOf(index?.stats ?? emptySourceIndex().stats);
}
