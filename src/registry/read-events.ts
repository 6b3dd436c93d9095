import { z } from 'zod';
import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { type DataSourceEvent, dataSourceEventSchema } from '../domain/events.js';
import { deepFreeze } from '../domain/freeze.js';
import { EVENT_UPCASTERS, type UpcasterChain, upcastEvent } from '../domain/upcasters.js';
import type { StoredEvent } from '../store/event-store.js';

// Every event read from a store passes here, so the schema is compiled to a
// generated parser: about seven times faster than the interpreted one.
const eventSchema = z.compile(dataSourceEventSchema);

/** The ways an event fails the schema it is read with; none when it passes. */
export function eventProblems(event: unknown): { path: string; message: string }[] {
  const result = eventSchema.safeParse(event);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

function corrupt(stored: StoredEvent, why: string, more: Record<string, unknown>, cause?: unknown) {
  return new DataSourceError(`Event at position ${stored.position} ${why}`, {
    code: ErrorCode.CORRUPT_LOG,
    sourceId: stored.sourceId,
    details: { ...more, position: stored.position, eventId: stored.eventId, type: stored.type },
    cause,
  });
}

/**
 * Reads an event from a store as the code knows events: raised to the
 * current schema version by the catalog's upcasters (an old log replays
 * forever), then checked against its schema. The log is a trust boundary: a
 * malformed event stops the read with CORRUPT_LOG rather than folding into a
 * wrong state. One argument only, so it can be handed to `map`.
 *
 * @throws DataSourceError CORRUPT_LOG, with the position, when the event's
 *   schema version is newer than the code (or no version), an upcaster
 *   fails, or the raised event does not match its schema.
 */
export function toDomainEvent(stored: StoredEvent): DataSourceEvent {
  return decodeEvent(stored, EVENT_UPCASTERS);
}

/** {@link toDomainEvent} with the upcasters given, for a chain other than the catalog's. */
export function decodeEvent(chained: StoredEvent, upcasters: UpcasterChain): DataSourceEvent {
  // The chain hash is the log's, not the event's: listeners and history never see it.
  const { hash: _hash, ...stored } = chained;
  let current: StoredEvent;
  try {
    current = upcastEvent(stored, upcasters);
  } catch (error) {
    if (!(error instanceof DataSourceError)) throw error;
    throw corrupt(
      stored,
      error.message.replace(/^Event of type \S+: /, ''),
      error.details ?? {},
      error,
    );
  }
  const result = eventSchema.safeParse(current);
  if (!result.success) {
    const raised =
      current === stored ? '' : ` once raised to schema version ${current.schemaVersion}`;
    throw corrupt(
      stored,
      `does not match its schema${raised}: ${result.error.issues
        .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
        .join('; ')}`,
      {},
    );
  }
  return deepFreeze(result.data as DataSourceEvent);
}
