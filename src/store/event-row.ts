import { deepFreeze } from '../domain/freeze.js';
import type { StoredEvent } from './event-store.js';

/**
 * An event as the SQL stores keep it, one column per envelope field. `J` is
 * how the driver returns the JSON columns (text, or parsed values) and `P`
 * how it returns the position (a number, or bigint's text).
 */
export interface EventRow<J, P extends number | string> {
  position: P;
  event_id: string;
  type: string;
  schema_version: number;
  source_id: string;
  tenant_id: string;
  stream_version: number;
  occurred_at: string;
  data: J;
  metadata: J;
}

/** The columns of an {@link EventRow}, for SELECT lists. */
export const EVENT_COLUMNS =
  'position, event_id, type, schema_version, source_id, tenant_id, stream_version, occurred_at, data, metadata';

/**
 * A row read back as the event it was appended as, frozen like the memory
 * store's events, so no store hands out something a caller can change.
 * Positions stay far below 2^53, so a bigint's text converts exactly.
 */
export function eventFromRow<J, P extends number | string>(
  row: EventRow<J, P>,
  readJson: (value: J) => unknown,
): StoredEvent {
  return deepFreeze({
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    sourceId: row.source_id,
    tenantId: row.tenant_id,
    streamVersion: row.stream_version,
    occurredAt: row.occurred_at,
    data: readJson(row.data),
    metadata: readJson(row.metadata) as Record<string, unknown>,
    position: Number(row.position),
  });
}
