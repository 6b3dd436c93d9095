import type { DataSourceStatus, DataSourceType } from '../src/domain/enums.js';
import type { DataSourceEvent } from '../src/domain/events.js';

/**
 * The baseline of the replay: the fold one would write by hand for speed,
 * with no immutability, no freezing and no checks. It keeps the same
 * information as the projections' core: each source's full state and each
 * tenant's counts (by status, by type, connections, errors).
 */
interface MutableSource {
  sourceId: string;
  tenantId: string;
  name: string;
  sourceType: DataSourceType;
  config: unknown;
  status: DataSourceStatus;
  description: string | null;
  tags: string[];
  metadata: unknown;
  accessRoles: string[];
  ownerId: string | null;
  lastConnected: string | null;
  lastError: string | null;
  connectionCount: number;
  errorCount: number;
  createdAt: string;
  updatedAt: string;
  version: number;
  deleted: boolean;
}

interface TenantCounts {
  total: number;
  byStatus: Record<string, number>;
  byType: Record<string, number>;
  connections: number;
  errors: number;
}

export interface MutableFold {
  readonly sources: Map<string, MutableSource>;
  readonly tenants: Map<string, TenantCounts>;
}

export function createMutableFold(): MutableFold {
  return { sources: new Map(), tenants: new Map() };
}

function countsOf(fold: MutableFold, tenantId: string): TenantCounts {
  let counts = fold.tenants.get(tenantId);
  if (!counts) {
    counts = { total: 0, byStatus: {}, byType: {}, connections: 0, errors: 0 };
    fold.tenants.set(tenantId, counts);
  }
  return counts;
}

function setStatus(counts: TenantCounts, source: MutableSource, status: DataSourceStatus) {
  counts.byStatus[source.status] = (counts.byStatus[source.status] ?? 0) - 1;
  counts.byStatus[status] = (counts.byStatus[status] ?? 0) + 1;
  source.status = status;
}

function register(fold: MutableFold, event: DataSourceEvent & { type: 'DataSourceRegistered' }) {
  const { data } = event;
  fold.sources.set(event.sourceId, {
    sourceId: event.sourceId,
    tenantId: event.tenantId,
    name: data.name,
    sourceType: data.sourceType,
    config: data.config,
    status: 'pending',
    description: data.description,
    tags: [...data.tags],
    metadata: data.metadata,
    accessRoles: [...data.accessRoles],
    ownerId: data.ownerId,
    lastConnected: null,
    lastError: null,
    connectionCount: 0,
    errorCount: 0,
    createdAt: event.occurredAt,
    updatedAt: event.occurredAt,
    version: event.streamVersion,
    deleted: false,
  });
  const counts = countsOf(fold, event.tenantId);
  counts.total++;
  counts.byStatus.pending = (counts.byStatus.pending ?? 0) + 1;
  counts.byType[data.sourceType] = (counts.byType[data.sourceType] ?? 0) + 1;
}

function remove(counts: TenantCounts, source: MutableSource) {
  source.deleted = true;
  counts.total--;
  counts.byStatus[source.status] = (counts.byStatus[source.status] ?? 0) - 1;
  counts.byType[source.sourceType] = (counts.byType[source.sourceType] ?? 0) - 1;
  counts.connections -= source.connectionCount;
  counts.errors -= source.errorCount;
}

/** Folds events in log order into the maps, in place. */
export function foldMutably(fold: MutableFold, events: readonly DataSourceEvent[]): void {
  for (const event of events) {
    if (event.type === 'DataSourceRegistered') {
      register(fold, event);
      continue;
    }
    const source = fold.sources.get(event.sourceId);
    if (!source || source.deleted) continue;
    const counts = countsOf(fold, source.tenantId);
    source.version = event.streamVersion;
    source.updatedAt = event.occurredAt;
    switch (event.type) {
      case 'DataSourceRenamed':
        source.name = event.data.to;
        break;
      case 'DataSourceDescriptionChanged':
        source.description = event.data.description;
        break;
      case 'DataSourceConfigUpdated':
        source.config = event.data.config;
        setStatus(counts, source, 'configuring');
        break;
      case 'DataSourceMetadataReplaced':
        source.metadata = event.data.metadata;
        break;
      case 'DataSourceActivated':
        setStatus(counts, source, 'active');
        source.lastError = null;
        break;
      case 'DataSourceDeactivated':
        setStatus(counts, source, 'inactive');
        break;
      case 'DataSourceDeprecated':
        setStatus(counts, source, 'deprecated');
        break;
      case 'ConnectionRecorded':
        source.connectionCount++;
        source.lastConnected = event.occurredAt;
        counts.connections++;
        break;
      case 'ErrorRecorded':
        source.errorCount++;
        source.lastError = event.data.error;
        counts.errors++;
        if (source.status !== 'deprecated') setStatus(counts, source, 'error');
        break;
      case 'TagAdded':
        if (!source.tags.includes(event.data.tag)) source.tags.push(event.data.tag);
        break;
      case 'TagRemoved': {
        const at = source.tags.indexOf(event.data.tag);
        if (at >= 0) source.tags.splice(at, 1);
        break;
      }
      case 'AccessGranted':
        if (!source.accessRoles.includes(event.data.role)) source.accessRoles.push(event.data.role);
        break;
      case 'AccessRevoked': {
        const at = source.accessRoles.indexOf(event.data.role);
        if (at >= 0) source.accessRoles.splice(at, 1);
        break;
      }
      case 'DataSourceDeleted':
        remove(counts, source);
        break;
    }
  }
}

/** Live sources in the fold, to check it agrees with the projections on the same log. */
export function liveCount(fold: MutableFold): number {
  let n = 0;
  for (const counts of fold.tenants.values()) n += counts.total;
  return n;
}
