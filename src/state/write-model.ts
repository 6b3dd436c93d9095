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
}

export function createWriteModel(): WriteModel {
  return { streams: new Map(), position: 0 };
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
  if (events.length === 1 && only !== undefined) {
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
    const group = byStream.get(event.sourceId);
    if (group) group.push(event);
    else byStream.set(event.sourceId, [event]);
  }
  for (const [sourceId, group] of byStream) applyStream(model, sourceId, group, changed);
  model.position = position;
}
