import type { Draft } from 'immer';
import { type CustomerDataSource, nameKey } from '../domain/data-source.js';
import type { DataSourceStatus, DataSourceType } from '../domain/enums.js';
import type { DataSourceEvent } from '../domain/events.js';
import { applyEvent } from '../domain/evolve.js';
import { deepFreeze } from '../domain/freeze.js';
import { EMPTY_STREAM, type SourceStream } from '../domain/stream.js';
import { emptySourceIndex, reindexSource, type SourceIndex } from './source-index.js';
import { type DataSourceStats, statsOf } from './statistics.js';

interface TenantIndex extends SourceIndex {
  /** Live sources by normalized name: the uniqueness check and getByName. */
  readonly byName: Map<string, string>;
}

/**
 * The registry's read model: every stream's state and the indexes that answer
 * queries. A fold over the log that owns its accumulator: the container is
 * updated in place, while every source in it is an immutable snapshot.
 */
export interface RegistryView {
  readonly streams: Map<string, SourceStream>;
  readonly tenants: Map<string, TenantIndex>;
  readonly all: SourceIndex;
  /** The last global position applied. */
  position: number;
}

export function createRegistryView(): RegistryView {
  return { streams: new Map(), tenants: new Map(), all: emptySourceIndex(), position: 0 };
}

function tenantIndex(view: RegistryView, tenantId: string): TenantIndex {
  let index = view.tenants.get(tenantId);
  if (!index) {
    index = { ...emptySourceIndex(), byName: new Map() };
    view.tenants.set(tenantId, index);
  }
  return index;
}

function reindex(view: RegistryView, before: CustomerDataSource | null, after: SourceStream) {
  const source = after.source;
  const tenantId = (source ?? before)?.tenantId;
  if (tenantId === undefined) return;
  const tenant = tenantIndex(view, tenantId);
  reindexSource(view.all, before, source);
  reindexSource(tenant, before, source);
  if (before && source && before.name === source.name) return;
  if (before && (!source || nameKey(source.name) !== nameKey(before.name))) {
    // Events are applied stream by stream, so another source may already hold
    // this name again in the same batch: only our own entry is ours to remove.
    const key = nameKey(before.name);
    if (tenant.byName.get(key) === before.sourceId) tenant.byName.delete(key);
  }
  if (source) tenant.byName.set(nameKey(source.name), source.sourceId);
}

/** A mutable copy of a frozen source; spelled out, as spreading a frozen object is slow in V8. */
function thaw(source: CustomerDataSource): Draft<CustomerDataSource> {
  return {
    sourceId: source.sourceId,
    tenantId: source.tenantId,
    name: source.name,
    sourceType: source.sourceType,
    config: source.config,
    status: source.status,
    description: source.description,
    tags: source.tags as string[],
    metadata: source.metadata,
    accessRoles: source.accessRoles as string[],
    ownerId: source.ownerId,
    lastConnected: source.lastConnected,
    lastError: source.lastError,
    connectionCount: source.connectionCount,
    errorCount: source.errorCount,
    createdAt: source.createdAt,
    updatedAt: source.updatedAt,
    version: source.version,
  };
}

/**
 * Folds a stream's new events into a copy of its state: the same recipe as
 * `evolve`, run on a shallow copy and frozen once, since the recipe never
 * changes a nested value in place. Replaying a log or applying a command costs
 * a copy of one object instead of an immer draft per event; `deepFreeze`
 * stops at the event data the source shares, which is frozen already.
 */
function foldStream(before: SourceStream, events: readonly DataSourceEvent[]): SourceStream {
  const stream: Draft<SourceStream> = {
    version: before.version,
    source: before.source && thaw(before.source),
  };
  for (const event of events) applyEvent(stream, event);
  return deepFreeze(stream as SourceStream);
}

/**
 * Applies committed events in position order. Events at or below the view's
 * position were applied already and are skipped, so applying is idempotent.
 */
export function applyEvents(view: RegistryView, events: readonly DataSourceEvent[]): void {
  const byStream = new Map<string, DataSourceEvent[]>();
  let position = view.position;
  for (const event of events) {
    if (event.position <= position) continue;
    position = event.position;
    const group = byStream.get(event.sourceId);
    if (group) group.push(event);
    else byStream.set(event.sourceId, [event]);
  }
  for (const [sourceId, group] of byStream) {
    const before = view.streams.get(sourceId) ?? EMPTY_STREAM;
    const after = foldStream(before, group);
    view.streams.set(sourceId, after);
    reindex(view, before.source, after);
  }
  view.position = position;
}

/** The state of one stream, for deciding a command. */
export function streamOf(view: RegistryView, sourceId: string): SourceStream {
  return view.streams.get(sourceId) ?? EMPTY_STREAM;
}

export function getSource(view: RegistryView, sourceId: string): CustomerDataSource | null {
  return view.streams.get(sourceId)?.source ?? null;
}

export function getSourceByName(
  view: RegistryView,
  tenantId: string,
  name: string,
): CustomerDataSource | null {
  const sourceId = view.tenants.get(tenantId)?.byName.get(nameKey(name));
  return sourceId === undefined ? null : getSource(view, sourceId);
}

/** What `list` and `count` filter on. */
export interface SourceFilter {
  tenantId?: string;
  sourceType?: DataSourceType;
  status?: DataSourceStatus;
  tag?: string;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Ids in list order: by name as users read it (trimmed, NFC, any case), then
 * by exact name, then by id, so the order is total and the same everywhere.
 */
function inListOrder(view: RegistryView, ids: Iterable<string>): string[] {
  const rows: [key: string, name: string, id: string][] = [];
  for (const id of ids) {
    const name = getSource(view, id)?.name ?? '';
    rows.push([nameKey(name), name, id]);
  }
  rows.sort(
    (a, b) => compareText(a[0], b[0]) || compareText(a[1], b[1]) || compareText(a[2], b[2]),
  );
  return rows.map((row) => row[2]);
}

function sortedIds(view: RegistryView, index: SourceIndex): string[] {
  index.sorted ??= inListOrder(view, index.ids);
  return index.sorted;
}

/**
 * The ids a filter starts from, in list order. Scoped to the tenant's own
 * index, so its cost does not grow with other tenants' sources.
 */
function candidates(view: RegistryView, filter: SourceFilter): readonly string[] {
  const index = filter.tenantId === undefined ? view.all : view.tenants.get(filter.tenantId);
  if (!index) return [];
  if (filter.tag === undefined) return sortedIds(view, index);
  const tagged = index.byTag.get(filter.tag);
  return tagged ? inListOrder(view, tagged) : [];
}

function matches(source: CustomerDataSource, filter: SourceFilter): boolean {
  return (
    (filter.sourceType === undefined || source.sourceType === filter.sourceType) &&
    (filter.status === undefined || source.status === filter.status)
  );
}

/** Live sources matching the filter, in list order, one page of them. */
export function listSources(
  view: RegistryView,
  filter: SourceFilter,
  offset: number,
  limit: number,
): readonly CustomerDataSource[] {
  const ids = candidates(view, filter);
  const page: CustomerDataSource[] = [];
  const plain = filter.sourceType === undefined && filter.status === undefined;
  const start = plain ? offset : 0;
  let skipped = 0;
  for (let i = start; i < ids.length && page.length < limit; i++) {
    const source = getSource(view, ids[i] as string);
    if (!source || !matches(source, filter)) continue;
    if (!plain && skipped < offset) {
      skipped++;
      continue;
    }
    page.push(source);
  }
  return Object.freeze(page);
}

/** How many live sources match the filter. */
export function countSources(view: RegistryView, filter: SourceFilter): number {
  const index = filter.tenantId === undefined ? view.all : view.tenants.get(filter.tenantId);
  if (!index) return 0;
  if (filter.tag === undefined && filter.sourceType === undefined && filter.status === undefined) {
    return index.stats.total;
  }
  let n = 0;
  for (const id of candidates(view, filter)) {
    const source = getSource(view, id);
    if (source && matches(source, filter)) n++;
  }
  return n;
}

/** Statistics of one tenant's live sources, or of all; read from counters, never a scan. */
export function statisticsOf(view: RegistryView, tenantId?: string): DataSourceStats {
  const index = tenantId === undefined ? view.all : view.tenants.get(tenantId);
  return statsOf(index?.stats ?? emptySourceIndex().stats);
}
