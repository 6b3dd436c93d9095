import type { CustomerDataSource } from '../domain/data-source.js';
import { countSource, emptyStatsCounter, type StatsCounter } from './statistics.js';

/**
 * The live sources of one tenant (or of all tenants): their ids, a tag index,
 * incremental statistics, and the ids in list order, sorted lazily and kept
 * until a source joins, leaves or is renamed.
 */
export interface SourceIndex {
  readonly ids: Set<string>;
  readonly byTag: Map<string, Set<string>>;
  readonly stats: StatsCounter;
  sorted: string[] | null;
}

export function emptySourceIndex(): SourceIndex {
  return { ids: new Set(), byTag: new Map(), stats: emptyStatsCounter(), sorted: null };
}

function tagSet(index: SourceIndex, tag: string): Set<string> {
  let set = index.byTag.get(tag);
  if (!set) {
    set = new Set();
    index.byTag.set(tag, set);
  }
  return set;
}

function untag(index: SourceIndex, tag: string, sourceId: string) {
  const set = index.byTag.get(tag);
  set?.delete(sourceId);
  if (set?.size === 0) index.byTag.delete(tag);
}

/** Moves one source's entry from its old snapshot to its new one (either may be null). */
export function reindexSource(
  index: SourceIndex,
  before: CustomerDataSource | null,
  after: CustomerDataSource | null,
): void {
  if (before) countSource(index.stats, before, -1);
  if (after) countSource(index.stats, after, 1);
  if (!before || !after || before.name !== after.name) index.sorted = null;
  if (!before && after) index.ids.add(after.sourceId);
  if (before && !after) index.ids.delete(before.sourceId);
  const oldTags = before?.tags ?? [];
  const newTags = after?.tags ?? [];
  if (oldTags === newTags) return;
  // Sets make a tag change cost O(tags), not O(tags²) from includes() in a loop.
  const kept = new Set(newTags);
  const had = new Set(oldTags);
  if (before) for (const tag of oldTags) if (!kept.has(tag)) untag(index, tag, before.sourceId);
  if (after) for (const tag of newTags) if (!had.has(tag)) tagSet(index, tag).add(after.sourceId);
}
