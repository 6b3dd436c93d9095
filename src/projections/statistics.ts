import { z } from 'zod';
import type { CustomerDataSource } from '../domain/data-source.js';
import type { DeepReadonly } from '../domain/deep-readonly.js';
import {
  DATA_SOURCE_STATUSES,
  DATA_SOURCE_TYPES,
  type DataSourceStatus,
  type DataSourceType,
} from '../domain/enums.js';
import { deepFreeze } from '../domain/freeze.js';

const count = z.number().int().min(0);

/** Counts over the live sources of one tenant or of all tenants. */
export const dataSourceStatsSchema = z.strictObject({
  totalSources: count,
  activeSources: count,
  inactiveSources: count,
  errorSources: count,
  pendingSources: count,
  configuringSources: count,
  deprecatedSources: count,
  /** Only the types that have sources, in the enum's order. */
  sourcesByType: z.record(z.string(), count),
  totalConnections: count,
  totalErrors: count,
});
/** Statistics of live sources, as `registry.getStatistics()` returns them. Frozen. */
export type DataSourceStats = DeepReadonly<z.infer<typeof dataSourceStatsSchema>>;

/** Counters kept up to date event by event, so statistics never scan the sources. */
export interface StatsCounter {
  total: number;
  byStatus: Record<DataSourceStatus, number>;
  byType: Record<DataSourceType, number>;
  connections: number;
  errors: number;
}

const zeros = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;

export function emptyStatsCounter(): StatsCounter {
  return {
    total: 0,
    byStatus: zeros(DATA_SOURCE_STATUSES),
    byType: zeros(DATA_SOURCE_TYPES),
    connections: 0,
    errors: 0,
  };
}

/** Adds (sign 1) or takes away (sign -1) one source's share of the counts. */
export function countSource(counter: StatsCounter, source: CustomerDataSource, sign: 1 | -1) {
  counter.total += sign;
  counter.byStatus[source.status] += sign;
  counter.byType[source.sourceType] += sign;
  counter.connections += sign * source.connectionCount;
  counter.errors += sign * source.errorCount;
}

export function statsOf(counter: StatsCounter): DataSourceStats {
  const { byStatus } = counter;
  return deepFreeze({
    totalSources: counter.total,
    activeSources: byStatus.active,
    inactiveSources: byStatus.inactive,
    errorSources: byStatus.error,
    pendingSources: byStatus.pending,
    configuringSources: byStatus.configuring,
    deprecatedSources: byStatus.deprecated,
    sourcesByType: Object.fromEntries(
      DATA_SOURCE_TYPES.filter((type) => counter.byType[type] > 0).map((type) => [
        type,
        counter.byType[type],
      ]),
    ),
    totalConnections: counter.connections,
    totalErrors: counter.errors,
  });
}

function toDict(stats: DataSourceStats): Record<string, unknown> {
  return {
    total_sources: stats.totalSources,
    active_sources: stats.activeSources,
    inactive_sources: stats.inactiveSources,
    error_sources: stats.errorSources,
    pending_sources: stats.pendingSources,
    configuring_sources: stats.configuringSources,
    deprecated_sources: stats.deprecatedSources,
    sources_by_type: { ...stats.sourcesByType },
    total_connections: stats.totalConnections,
    total_errors: stats.totalErrors,
  };
}

/** The Python module's `DataSourceStats.to_dict()`. */
export const DataSourceStats = {
  /** snake_case keys, as the Python module returned them. */
  toDict,
} as const;
