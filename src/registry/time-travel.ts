import { z } from 'zod';
import { DataSourceError, ErrorCode, parseInput } from '../domain/errors.js';
import { readRange } from '../follow/read-range.js';
import type { EventStore, StoredEvent } from '../store/event-store.js';
import { applyToModels, createModels } from './models.js';
import { toDomainEvent } from './read-events.js';
import { type SourceQueries, sourceQueries } from './source-queries.js';

/**
 * The registry as it was at one point of its log: the same queries as the
 * registry's own, answered from a write model and projections folded from
 * the start of the log up to that point. Frozen, and detached from the
 * registry: it never changes, and keeps answering after the registry closes.
 */
export interface RegistryAt extends SourceQueries {
  /** The position of the last event folded in: what `registry.position` was then (0 before any). */
  readonly position: number;
}

/** A position of the log (an integer ≥ 0) or a moment (a valid Date). */
const momentSchema = z.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.date()]);

/** The position or Date `at` was given, checked: INVALID_INPUT otherwise. */
export function parseMoment(input: unknown): number | Date {
  const moment = parseInput(momentSchema, input, 'position or date');
  // A copy: the caller's Date may change after the call.
  return moment instanceof Date ? new Date(moment.getTime()) : moment;
}

function beyondHead(position: number, head: number): DataSourceError {
  return new DataSourceError(`Position ${position} is beyond the head of the log, ${head}`, {
    code: ErrorCode.INVALID_INPUT,
    details: { issues: [{ path: '', message: `at most ${head}` }], head },
  });
}

/**
 * Folds the log from the start up to a position, or up to a moment: at a
 * Date, every event before the first one that occurred after it, in log
 * order (positions are the order of the log; clocks of several writers may
 * disagree, and a prefix of the log is always a state the registry was in).
 *
 * @throws DataSourceError INVALID_INPUT for a position beyond the head the
 *   store reports; STORE_ERROR, CORRUPT_LOG or SECRET_UNAVAILABLE when the
 *   log cannot be read, as when a registry opens.
 */
export async function registryAt(store: EventStore, moment: number | Date): Promise<RegistryAt> {
  const head = await store.head();
  if (typeof moment === 'number' && moment > head) throw beyondHead(moment, head);
  const until = typeof moment === 'number' ? moment : head;
  const cutoff = moment instanceof Date ? moment.getTime() : undefined;
  const models = createModels();
  await readRange(
    store,
    {
      after: 0,
      until,
      stopBefore:
        cutoff === undefined
          ? undefined
          : (event: StoredEvent) => Date.parse(event.occurredAt) > cutoff,
    },
    (events) => applyToModels(models, events.map(toDomainEvent)),
  );
  return Object.freeze({ ...sourceQueries(models.projections), position: models.state.position });
}
