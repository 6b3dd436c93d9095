import { nameSchema, tenantIdSchema } from '../domain/commands.js';
import type { CustomerDataSource } from '../domain/data-source.js';
import { parseInput } from '../domain/errors.js';
import {
  countSources,
  getSource,
  getSourceByName,
  listSources,
  type SourceFilter,
  statisticsOf,
} from '../projections/queries.js';
import type { QueryProjections } from '../projections/query-projections.js';
import type { DataSourceStats } from '../projections/statistics.js';
import { type ListFilter, listFilterSchema } from './options.js';
import { parseSourceId } from './parse-commands.js';

/**
 * The registry's queries over a set of projections, each input checked as
 * the registry checks it (INVALID_INPUT with `details.issues` otherwise).
 * The registry answers from its live projections; a look at a past position
 * answers from projections folded up to it, with the same code.
 */
export interface SourceQueries {
  /** The live source with this id, or null. */
  get(sourceId: string): CustomerDataSource | null;
  /** The live source of this tenant with this name (trimmed, NFC, any case), or null. */
  getByName(tenantId: string, name: string): CustomerDataSource | null;
  /** Live sources matching the filter, sorted by name then id; 100 at most unless `limit` says otherwise. */
  list(filter?: ListFilter): readonly CustomerDataSource[];
  /** How many live sources match the filter (paging ignored). */
  count(filter?: ListFilter): number;
  /** Statistics of one tenant, or of all tenants. */
  getStatistics(tenantId?: string): DataSourceStats;
}

export function sourceQueries(projections: QueryProjections): SourceQueries {
  return {
    get: (sourceId) => getSource(projections, parseSourceId(sourceId)),
    getByName(tenantId, name) {
      const tenant = parseInput(tenantIdSchema, tenantId, 'tenant id');
      return getSourceByName(projections, tenant, parseInput(nameSchema, name, 'name'));
    },
    list(filter = {}) {
      const { limit = 100, offset = 0, ...rest } = parseInput(listFilterSchema, filter, 'filter');
      return listSources(projections, rest as SourceFilter, offset, limit);
    },
    count(filter = {}) {
      const { limit: _l, offset: _o, ...rest } = parseInput(listFilterSchema, filter, 'filter');
      return countSources(projections, rest as SourceFilter);
    },
    getStatistics(tenantId) {
      const tenant = parseInput(tenantIdSchema.optional(), tenantId, 'tenant id');
      return statisticsOf(projections, tenant);
    },
  };
}
