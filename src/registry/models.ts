import type { DataSourceEvent } from '../domain/events.js';
import {
  createQueryProjections,
  projectionFeed,
  type QueryProjections,
} from '../projections/query-projections.js';
import {
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

/** Empties both in place, so whoever holds them sees the empty log. */
export function clearModels(models: RegistryModels): void {
  Object.assign(models.state, createWriteModel());
  Object.assign(models.projections, createQueryProjections());
}
