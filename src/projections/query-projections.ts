import { type CustomerDataSource, nameKey } from '../domain/data-source.js';
import { appendInOrder, compareEntries, type ListEntry, listEntry } from './list-order.js';
import {
  type EntryChange,
  emptySourceIndex,
  reindexSource,
  type SourceIndex,
  tagOrder,
} from './source-index.js';
import { countSource } from './statistics.js';

export interface TenantIndex extends SourceIndex {
  /** The ids of the tenant's live sources: what clearTenant deletes. */
  readonly ids: Set<string>;
  /** Live sources by normalized name: the uniqueness check and getByName. */
  readonly byName: Map<string, string>;
}

/**
 * The indexes that answer queries: live sources by id, and per tenant and
 * over all tenants their names, tags, list order and statistics. Fed with
 * each source's change, before and after, never with events: whatever folds
 * the log (the registry, a look at a past position) feeds them the same way.
 */
export interface QueryProjections {
  /** Live sources only: a deleted one is gone from every query. */
  readonly sources: Map<string, CustomerDataSource>;
  readonly tenants: Map<string, TenantIndex>;
  readonly all: SourceIndex;
}

export function createQueryProjections(): QueryProjections {
  return { sources: new Map(), tenants: new Map(), all: emptySourceIndex() };
}

function tenantIndex(projections: QueryProjections, tenantId: string): TenantIndex {
  let index = projections.tenants.get(tenantId);
  if (!index) {
    index = { ...emptySourceIndex(), ids: new Set(), byName: new Map() };
    projections.tenants.set(tenantId, index);
  }
  return index;
}

const UNMOVED: EntryChange = Object.freeze({ before: null, after: null });

/** The list entries a change needs: none when neither the name nor the tags changed. */
function entryChange(
  before: CustomerDataSource | null,
  after: CustomerDataSource | null,
): EntryChange {
  // Stryker disable next-line ConditionalExpression: entries made apart for a source whose name stayed equal the one shared entry
  const moved = !before || !after || before.name !== after.name;
  // Stryker disable next-line ConditionalExpression: a shortcut; with the tags and the name unchanged, the indexes move nothing
  if (!moved && before.tags === after.tags) return UNMOVED;
  // Stryker disable next-line ConditionalExpression: entries made apart for a source whose name stayed equal the one shared entry
  if (moved) return { before: before && listEntry(before), after: after && listEntry(after) };
  // Same name, same id: one entry stands for the source before and after.
  const entry = listEntry(after);
  return { before: entry, after: entry };
}

/** Moves one source from its old snapshot to its new one in every index (either may be null). */
export function projectChange(
  projections: QueryProjections,
  before: CustomerDataSource | null,
  after: CustomerDataSource | null,
): void {
  const tenantId = (after ?? before)?.tenantId;
  // Stryker disable next-line ConditionalExpression: the tenant is undefined only for a stream with no source before or after; an index under undefined is never asked
  if (tenantId === undefined) return;
  const tenant = tenantIndex(projections, tenantId);
  if (after) {
    projections.sources.set(after.sourceId, after);
    // Stryker disable next-line ConditionalExpression: adding an id the set holds changes nothing
    if (!before) tenant.ids.add(after.sourceId);
  } else if (before) {
    projections.sources.delete(before.sourceId);
    tenant.ids.delete(before.sourceId);
  }
  const entries = entryChange(before, after);
  reindexSource(projections.all, before, after, entries);
  reindexSource(tenant, before, after, entries);
  // Stryker disable next-line ConditionalExpression: a shortcut; with the name unchanged, the by-name entry is set to what it holds
  if (before && after && before.name === after.name) return;
  if (before && (!after || nameKey(after.name) !== nameKey(before.name))) {
    // Changes are fed stream by stream, so another source may already hold
    // this name again in the same batch: only our own entry is ours to remove.
    const key = nameKey(before.name);
    if (tenant.byName.get(key) === before.sourceId) tenant.byName.delete(key);
  }
  if (after) tenant.byName.set(nameKey(after.name), after.sourceId);
}

/**
 * Fills empty projections with live sources at once, as feeding them one by
 * one in the order given would have (`projectChange(p, null, source)` for
 * each), in a fraction of the time: the sources are sorted into list order
 * once, and every list (per tenant, per tag) is a part of that order, filled
 * by walking it. The maps keyed by id and name are filled in the order given,
 * which walks the sources where they lie in memory rather than jumping
 * between them, and keeps each tenant's ids in the order a replay adds them.
 */
export function projectAll(
  projections: QueryProjections,
  sources: readonly CustomerDataSource[],
): void {
  const entries = new Array<{ entry: ListEntry; source: CustomerDataSource; tenant: TenantIndex }>(
    sources.length,
  );
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i] as CustomerDataSource;
    const entry = listEntry(source);
    const tenant = tenantIndex(projections, source.tenantId);
    projections.sources.set(source.sourceId, source);
    tenant.ids.add(source.sourceId);
    tenant.byName.set(entry.key, source.sourceId);
    countSource(projections.all.stats, source, 1);
    countSource(tenant.stats, source, 1);
    entries[i] = { entry, source, tenant };
  }
  entries.sort((a, b) => compareEntries(a.entry, b.entry));
  // Walked in list order, so every list takes its entries at its end.
  const into = (index: SourceIndex, entry: ListEntry, tags: readonly string[]) => {
    appendInOrder(index.order, entry);
    for (const tag of tags) appendInOrder(tagOrder(index, tag), entry);
  };
  for (const { entry, source, tenant } of entries) {
    into(projections.all, entry, source.tags);
    into(tenant, entry, source.tags);
  }
}

/** The function that feeds these projections, made once so applying allocates no closure. */
export function projectionFeed(
  projections: QueryProjections,
): (before: CustomerDataSource | null, after: CustomerDataSource | null) => void {
  return (before, after) => projectChange(projections, before, after);
}

/** The ids of a tenant's live sources, in no particular order. */
export function tenantSourceIds(projections: QueryProjections, tenantId: string): string[] {
  return [...(projections.tenants.get(tenantId)?.ids ?? [])];
}
