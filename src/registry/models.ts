import type { DataSourceEvent } from '../domain/events.js';
import type { SourceStream } from '../domain/stream.js';
import {
  createQueryProjections,
  projectAll,
  projectionFeed,
  type QueryProjections,
} from '../projections/query-projections.js';
import {
  applyAhead,
  applyEvents,
  createWriteModel,
  type SourceChanged,
  type WriteModel,
} from '../state/write-model.js';

/**
 * What folding the log builds: the write model commands are decided on, and
 * the query projections it feeds. The registry keeps one current; a look at
 * a past position folds a fresh one up to there.
 */
export interface RegistryModels {
  readonly state: WriteModel;
  readonly projections: QueryProjections;
  readonly feed: SourceChanged;
}

export function createModels(): RegistryModels {
  const projections = createQueryProjections();
  return { state: createWriteModel(), projections, feed: projectionFeed(projections) };
}

/** Applies committed events, in position order, to the state and from it to the projections. */
export function applyToModels(models: RegistryModels, events: readonly DataSourceEvent[]): void {
  applyEvents(models.state, events, models.feed);
}

/**
 * Applies a writer's own committed events of one stream before the log up to
 * them is read, when they continue the stream as held; false when they do
 * not, and nothing changed.
 */
export function applyAheadToModels(
  models: RegistryModels,
  events: readonly DataSourceEvent[],
): boolean {
  return applyAhead(models.state, events, models.feed);
}

/** Empties both in place, so whoever holds them sees the empty log. */
export function clearModels(models: RegistryModels): void {
  Object.assign(models.state, createWriteModel());
  Object.assign(models.projections, createQueryProjections());
}

/**
 * Replaces both with the fold of the log up to `position` that `streams`
 * hold (a snapshot's): the write model takes the streams as they are, and
 * the projections are filled with the live sources, as a replay would have left them.
 */
export function restoreModels(
  models: RegistryModels,
  position: number,
  streams: ReadonlyMap<string, SourceStream>,
): void {
  clearModels(models);
  const live = [];
  for (const [id, stream] of streams) {
    models.state.streams.set(id, stream);
    if (stream.source !== null) live.push(stream.source);
  }
  projectAll(models.projections, live);
  models.state.position = position;
}
