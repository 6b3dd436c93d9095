import { type CustomerDataSource, nameKey } from '../domain/data-source.js';

/** Where a source sits in list order: its name as users read it, its exact name, its id. */
export interface ListEntry {
  readonly key: string;
  readonly name: string;
  readonly id: string;
}

/** The entry of a source as it is now; made once per change and shared by every list it joins. */
export function listEntry(source: CustomerDataSource): ListEntry {
  return { key: nameKey(source.name), name: source.name, id: source.sourceId };
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * List order: by name as users read it (trimmed, NFC, any case), then by
 * exact name, then by id, so the order is total and the same everywhere.
 */
export function compareEntries(a: ListEntry, b: ListEntry): number {
  return compareText(a.key, b.key) || compareText(a.name, b.name) || compareText(a.id, b.id);
}

/**
 * Entries kept in list order as sources join, leave and are renamed, so a
 * list never sorts. One flat array would move every entry after the insertion
 * point on each change (100,000 of them for the list of all tenants); short
 * sorted chunks bound a change to one chunk and a search over the chunks.
 */
export interface ListOrder {
  readonly chunks: ListEntry[][];
  size: number;
}

/** Chunks split past this many entries; small enough that a splice is a short move. */
const MAX_CHUNK = 512;

export function emptyListOrder(): ListOrder {
  return { chunks: [], size: 0 };
}

/** The first chunk whose last entry is not before `entry`, or the last chunk. */
function chunkFor(order: ListOrder, entry: ListEntry): number {
  const { chunks } = order;
  let lo = 0;
  let hi = chunks.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const chunk = chunks[mid] as ListEntry[];
    if (compareEntries(chunk[chunk.length - 1] as ListEntry, entry) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index in `chunk` whose entry is not before `entry`. */
function indexIn(chunk: readonly ListEntry[], entry: ListEntry): number {
  let lo = 0;
  let hi = chunk.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(chunk[mid] as ListEntry, entry) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function insertEntry(order: ListOrder, entry: ListEntry): void {
  order.size++;
  if (order.chunks.length === 0) {
    order.chunks.push([entry]);
    return;
  }
  const c = chunkFor(order, entry);
  const chunk = order.chunks[c] as ListEntry[];
  chunk.splice(indexIn(chunk, entry), 0, entry);
  if (chunk.length > MAX_CHUNK) order.chunks.splice(c + 1, 0, chunk.splice(MAX_CHUNK >>> 1));
}

/**
 * Appends an entry that sorts after every entry of the order, to a chunk
 * half full at most, so each chunk has room to grow: what a restore does,
 * walking entries already in list order, instead of inserting them one by
 * one (a search and a splice each).
 */
export function appendInOrder(order: ListOrder, entry: ListEntry): void {
  const last = order.chunks[order.chunks.length - 1];
  if (last !== undefined && last.length < MAX_CHUNK >>> 1) last.push(entry);
  else order.chunks.push([entry]);
  order.size++;
}

/** Removes the entry equal to `entry` in list order, if there is one. */
export function removeEntry(order: ListOrder, entry: ListEntry): void {
  if (order.chunks.length === 0) return;
  const c = chunkFor(order, entry);
  const chunk = order.chunks[c] as ListEntry[];
  const i = indexIn(chunk, entry);
  const found = chunk[i];
  if (found === undefined || compareEntries(found, entry) !== 0) return;
  order.size--;
  chunk.splice(i, 1);
  if (chunk.length === 0) order.chunks.splice(c, 1);
}

/**
 * Visits ids in list order from `offset`, until `visit` returns false. Only
 * the chunks before the offset are counted, never walked.
 */
export function visitFrom(order: ListOrder, offset: number, visit: (id: string) => boolean): void {
  let skip = offset;
  for (const chunk of order.chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    for (let i = skip; i < chunk.length; i++) if (!visit((chunk[i] as ListEntry).id)) return;
    skip = 0;
  }
}
