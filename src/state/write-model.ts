import type { CustomerDataSource } from '../domain/data-source.js';
import type { DataSourceEvent } from '../domain/events.js';
import { EMPTY_STREAM, type SourceStream } from '../domain/stream.js';
import { foldStream } from './fold-stream.js';

/**
 * What `decide` reads: the state of every stream the log holds, deleted
 * sources included (their ids can never be used again), and the position of
 * the last event folded in. A fold over the log that owns its accumulator:
 * the map is updated in place, while every stream in it is an immutable
 * snapshot. It is all a snapshot of the write side has to hold.
 */
export interface WriteModel {
  readonly streams: Map<string, SourceStream>;
  /** The last global position applied; the log is followed from here. */
  position: number;
  /**
   * Events applied ahead of `position`: a writer's own, folded into their
   * stream before the log up to them could be read. Keyed by position, each
   * names its stream; the fold skips them when it reaches them.
   */
  readonly ahead: Map<number, string>;
  /**
   * Each stream with events applied ahead, as it stood at `position`, and the
   * position of its last event applied ahead.
   */
  readonly behind: Map<string, { stream: SourceStream; last: number }>;
}

export function createWriteModel(): WriteModel {
  return { streams: new Map(), position: 0, ahead: new Map(), behind: new Map() };
}

/**
 * Told of each stream an apply moved on, once per apply however many of its
 * events it took: its source before and after (null where there was or is no
 * live source). This is what the query projections are fed with.
 */
export type SourceChanged = (
  before: CustomerDataSource | null,
  after: CustomerDataSource | null,
) => void;

/** The state of one stream, for deciding a command. */
export function streamOf(model: WriteModel, sourceId: string): SourceStream {
  return model.streams.get(sourceId) ?? EMPTY_STREAM;
}

/** Folds one stream's new events in and tells `changed`. */
function applyStream(
  model: WriteModel,
  sourceId: string,
  events: readonly DataSourceEvent[],
  changed: SourceChanged,
) {
  const before = model.streams.get(sourceId) ?? EMPTY_STREAM;
  const after = foldStream(before, events);
  model.streams.set(sourceId, after);
  changed(before.source, after.source);
}

/**
 * Applies committed events in position order. Events at or below the
 * model's position were applied already and are skipped, so applying is
 * idempotent and catching up is safe to repeat.
 */
export function applyEvents(
  model: WriteModel,
  events: readonly DataSourceEvent[],
  changed: SourceChanged,
): void {
  const [only] = events;
  // A command's one event, the common case: no grouping needed.
  // Stryker disable next-line all: a shortcut; the general path below applies one event the same
  if (events.length === 1 && only !== undefined && model.ahead.size === 0) {
    if (only.position <= model.position) return;
    applyStream(model, only.sourceId, events, changed);
    model.position = only.position;
    return;
  }
  const byStream = new Map<string, DataSourceEvent[]>();
  let position = model.position;
  for (const event of events) {
    if (event.position <= position) continue;
    position = event.position;
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a shortcut; with nothing ahead, passAhead finds nothing
    if (model.ahead.size > 0 && passAhead(model, event)) continue;
    const group = byStream.get(event.sourceId);
    if (group) group.push(event);
    else byStream.set(event.sourceId, [event]);
  }
  for (const [sourceId, group] of byStream) applyStream(model, sourceId, group, changed);
  model.position = position;
}

/**
 * Passes an event applied ahead once the fold reaches it: the stream as it
 * stands at the new position takes it in, and is forgotten with the last
 * one. True when it was one.
 */
function passAhead(model: WriteModel, event: DataSourceEvent): boolean {
  const streamId = model.ahead.get(event.position);
  if (streamId === undefined) return false;
  model.ahead.delete(event.position);
  const behind = model.behind.get(streamId);
  // Stryker disable next-line all: every stream with an event ahead has its entry until its last is passed
  if (behind === undefined) return true;
  if (behind.last === event.position) model.behind.delete(streamId);
  else behind.stream = foldStream(behind.stream, [event]);
  return true;
}

/**
 * Applies a writer's own committed events before the log up to them can be
 * read, so the writer reads its own writes without waiting for other
 * writers' commits. Only the events of one stream that continue it exactly:
 * then no event of that stream can lie in the gap, and folding the gap later
 * (skipping these) leaves every stream as a fold in position order would.
 * False, and nothing applied, when they are not.
 */
export function applyAhead(
  model: WriteModel,
  events: readonly DataSourceEvent[],
  changed: SourceChanged,
): boolean {
  const first = events[0];
  if (first === undefined) return false;
  const last = events[events.length - 1] as DataSourceEvent;
  const { sourceId } = first;
  const held = streamOf(model, sourceId);
  // Events the fold has passed are in the stream already: this refuses them too.
  if (held.version !== first.streamVersion - 1) return false;
  for (const event of events) if (event.sourceId !== sourceId) return false;
  const behind = model.behind.get(sourceId);
  if (behind === undefined) model.behind.set(sourceId, { stream: held, last: last.position });
  else behind.last = last.position;
  for (const event of events) model.ahead.set(event.position, sourceId);
  applyStream(model, sourceId, events, changed);
  return true;
}

/**
 * Every stream as it stood at `position`, without the events applied ahead
 * of it: what a snapshot at that position holds. A stream that did not
 * exist then is left out.
 */
export function streamsAtPosition(model: WriteModel): ReadonlyMap<string, SourceStream> {
  if (model.behind.size === 0) return model.streams;
  const streams = new Map<string, SourceStream>();
  for (const [id, stream] of model.streams) {
    const behind = model.behind.get(id);
    if (behind === undefined) streams.set(id, stream);
    else if (behind.stream.version > 0) streams.set(id, behind.stream);
  }
  return streams;
}
