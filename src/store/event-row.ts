import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { deepFreeze } from '../domain/freeze.js';
import type { StoredEvent } from './event-store.js';

/**
 * An event as the SQL stores keep it, one column per envelope field, data and
 * metadata as JSON text. `P` is how the driver returns the position (a
 * number, or bigint's text).
 */
export interface EventRow<P extends number | string> {
  position: P;
  event_id: string;
  type: string;
  schema_version: number;
  source_id: string;
  tenant_id: string;
  stream_version: number;
  occurred_at: string;
  data: string;
  metadata: string;
  /** The event's chain hash; null while not sealed yet. */
  hash: string | null;
}

/** The columns of an {@link EventRow}, for SELECT lists. */
export const EVENT_COLUMNS =
  'position, event_id, type, schema_version, source_id, tenant_id, stream_version, occurred_at, data, metadata, hash';

function corrupt(position: number, row: EventRow<number | string>, field: string, problem: string) {
  return new DataSourceError(`Event at position ${position}: its ${field} ${problem}`, {
    code: ErrorCode.CORRUPT_LOG,
    sourceId: row.source_id,
    details: { position, eventId: row.event_id, field },
  });
}

/**
 * A JSON column that must hold an object. The log is a trust boundary: text
 * that does not parse, or parses to something else (null, a string, an
 * array), is a damaged row, and says where it is rather than failing as the
 * driver would.
 */
function readObject(
  position: number,
  row: EventRow<number | string>,
  field: 'data' | 'metadata',
): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(row[field]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw corrupt(position, row, field, `is not valid JSON (${reason})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const found = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw corrupt(position, row, field, `is ${found}, not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * A row read back as the event it was appended as, frozen like the memory
 * store's events, so no store hands out something a caller can change.
 * Positions stay far below 2^53, so a bigint's text converts exactly.
 *
 * @throws DataSourceError CORRUPT_LOG, with the position, when data or
 * metadata is not a JSON object.
 */
export function eventFromRow<P extends number | string>(row: EventRow<P>): StoredEvent {
  const position = Number(row.position);
  return deepFreeze({
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    sourceId: row.source_id,
    tenantId: row.tenant_id,
    streamVersion: row.stream_version,
    occurredAt: row.occurred_at,
    data: readObject(position, row, 'data'),
    metadata: readObject(position, row, 'metadata'),
    position,
    ...(row.hash === null ? {} : { hash: row.hash }),
  });
}
