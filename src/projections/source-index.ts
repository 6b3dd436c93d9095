import type { CustomerDataSource } from '../domain/data-source.js';
import {
  emptyListOrder,
  insertEntry,
  type ListEntry,
  type ListOrder,
  removeEntry,
} from './list-order.js';
import { countSource, emptyStatsCounter, type StatsCounter } from './statistics.js';

/**
 * The live sources of one tenant (or of all tenants): incremental
 * statistics, and the ids in list order, overall and per tag, kept in order
 * as sources join, leave, are renamed or retagged, so no list sorts.
 */
export interface SourceIndex {
  readonly byTag: Map<string, ListOrder>;
  readonly stats: StatsCounter;
  readonly order: ListOrder;
}

export function emptySourceIndex(): SourceIndex {
  return { byTag: new Map(), stats: emptyStatsCounter(), order: emptyListOrder() };
}

/** The list order of one tag, made empty when the tag has none yet. */
export function tagOrder(index: SourceIndex, name: string): ListOrder {
  let order = index.byTag.get(name);
  if (!order) {
    order = emptyListOrder();
    index.byTag.set(name, order);
  }
  return order;
}

function tag(index: SourceIndex, name: string, entry: ListEntry) {
  insertEntry(tagOrder(index, name), entry);
}

function untag(index: SourceIndex, name: string, entry: ListEntry) {
  const order = index.byTag.get(name);
  if (!order) return;
  removeEntry(order, entry);
  if (order.size === 0) index.byTag.delete(name);
}

/**
 * A source's list entries before and after a change, made once by the caller
 * and shared by every index it updates; null where the source is absent or
 * the change leaves its place in every list alone.
 */
export interface EntryChange {
  before: ListEntry | null;
  after: ListEntry | null;
}

/** Moves one source's entry from its old snapshot to its new one (either may be null). */
export function reindexSource(
  index: SourceIndex,
  before: CustomerDataSource | null,
  after: CustomerDataSource | null,
  entries: EntryChange,
): void {
  if (before) countSource(index.stats, before, -1);
  if (after) countSource(index.stats, after, 1);
  // Stryker disable next-line ConditionalExpression: taking out and putting back an entry whose name stayed leaves every list as it was
  const moved = !before || !after || before.name !== after.name;
  // Stryker disable next-line ConditionalExpression: taking out and putting back an entry whose name stayed leaves every list as it was
  if (moved) {
    if (entries.before) removeEntry(index.order, entries.before);
    if (entries.after) insertEntry(index.order, entries.after);
  }
  // Stryker disable next-line ArrayDeclaration: without a source before there is no entry before, so its tags are never read
  const oldTags = before?.tags ?? [];
  const newTags = after?.tags ?? [];
  // Stryker disable next-line ConditionalExpression: a shortcut; with the tags and the name unchanged, nothing below moves
  if (oldTags === newTags && !moved) return;
  // Sets make a tag change cost O(tags), not O(tags²) from includes() in a loop.
  const kept = new Set(newTags);
  const had = new Set(oldTags);
  // A moved source leaves every tag list it was in and joins every one it is in now.
  const { before: old, after: now } = entries;
  // Stryker disable next-line ConditionalExpression: an entry is null only where there are no tags to go through or the shortcut above returned
  if (old) for (const t of oldTags) if (moved || !kept.has(t)) untag(index, t, old);
  // Stryker disable next-line ConditionalExpression: an entry is null only where there are no tags to go through or the shortcut above returned
  if (now) for (const t of newTags) if (moved || !had.has(t)) tag(index, t, now);
}
