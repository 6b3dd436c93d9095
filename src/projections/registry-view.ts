import type { Draft } from 'immer';
import { type CustomerDataSource, nameKey } from '../domain/data-source.js';
import type { DataSourceStatus, DataSourceType } from '../domain/enums.js';
import type { DataSourceEvent } from '../domain/events.js';
import { applyEvent } from '../domain/evolve.js';
import { deepFreeze } from '../domain/freeze.js';
import { EMPTY_STREAM, type SourceStream } from '../domain/stream.js';
import { type ListOrder, listEntry, visitFrom } from './list-order.js';
import {
  type EntryChange,
  emptySourceIndex,
  reindexSource,
  type SourceIndex,
} from './source-index.js';
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

const UNMOVED: EntryChange = Object.freeze({ before: null, after: null });

/** The list entries a change needs: none when neither the name nor the tags changed. */
function entryChange(
  before: CustomerDataSource | null,
  after: CustomerDataSource | null,
): EntryChange {
  const moved = !before || !after || before.name !== after.name;
  if (!moved && before.tags === after.tags) return UNMOVED;
  return { before: before && listEntry(before), after: after && listEntry(after) };
}

function reindex(view: RegistryView, before: CustomerDataSource | null, after: SourceStream) {
  const source = after.source;
  const tenantId = (source ?? before)?.tenantId;
  if (tenantId === undefined) return;
  const tenant = tenantIndex(view, tenantId);
  const entries = entryChange(before, source);
  reindexSource(view.all, before, source, entries);
  reindexSource(tenant, before, source, entries);
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
  const [only] = events;
  // A command's one event, the common case: no grouping needed.
  if (events.length === 1 && only !== undefined) {
    if (only.position <= view.position) return;
    applyStream(view, only.sourceId, events);
    view.position = only.position;
    return;
  }
  const byStream = new Map<string, DataSourceEvent[]>();
  let position = view.position;
  for (const event of events) {
    if (event.position <= position) continue;
    position = event.position;
    const group = byStream.get(event.sourceId);
    if (group) group.push(event);
    else byStream.set(event.sourceId, [event]);
  }
  for (const [sourceId, group] of byStream) applyStream(view, sourceId, group);
  view.position = position;
}

/** Folds one stream's new events into the view and its indexes. */
function applyStream(view: RegistryView, sourceId: string, events: readonly DataSourceEvent[]) {
  const before = view.streams.get(sourceId) ?? EMPTY_STREAM;
  const after = foldStream(before, events);
  view.streams.set(sourceId, after);
  reindex(view, before.source, after);
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

/**
 * The ids a filter starts from, in list order, kept sorted on write. Scoped
 * to the tenant's own index, so its cost does not grow with other tenants'
 * sources.
 */
function candidates(view: RegistryView, filter: SourceFilter): ListOrder | undefined {
  const index = filter.tenantId === undefined ? view.all : view.tenants.get(filter.tenantId);
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
  view: RegistryView,
  filter: SourceFilter,
  offset: number,
  limit: number,
): readonly CustomerDataSource[] {
  const order = candidates(view, filter);
  const page: CustomerDataSource[] = [];
  if (!order || limit <= 0) return Object.freeze(page);
  const plain = filter.sourceType === undefined && filter.status === undefined;
  // Without a type or status filter every candidate matches: the page starts at the offset.
  let skip = plain ? 0 : offset;
  visitFrom(order, plain ? offset : 0, (id) => {
    const source = getSource(view, id);
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
export function countSources(view: RegistryView, filter: SourceFilter): number {
  const index = filter.tenantId === undefined ? view.all : view.tenants.get(filter.tenantId);
  if (!index) return 0;
  if (filter.tag === undefined && filter.sourceType === undefined && filter.status === undefined) {
    return index.stats.total;
  }
  const order = candidates(view, filter);
  if (!order) return 0;
  if (filter.sourceType === undefined && filter.status === undefined) return order.size;
  let n = 0;
  visitFrom(order, 0, (id) => {
    const source = getSource(view, id);
    if (source && matches(source, filter)) n++;
    return true;
  });
  return n;
}

/** Statistics of one tenant's live sources, or of all; read from counters, never a scan. */
export function statisticsOf(view: RegistryView, tenantId?: string): DataSourceStats {
  const index = tenantId === undefined ? view.all : view.tenants.get(tenantId);
  return statsOf(index?.stats ?? emptySourceIndex().stats);
}
