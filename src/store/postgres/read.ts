import type { CustomTypesConfig, Pool } from 'pg';
import pg from 'pg';
import { deepFreeze } from '../../domain/freeze.js';
import type { ReadAllOptions, StoredEvent } from '../event-store.js';
import type { SchemaNames } from './names.js';

interface EventRow {
  position: string;
  event_id: string;
  type: string;
  schema_version: number;
  source_id: string;
  tenant_id: string;
  stream_version: number;
  occurred_at: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

const COLUMNS = `position, event_id, type, schema_version, source_id, tenant_id,
  stream_version, occurred_at, data, metadata`;

// The caller's pool may parse json its own way (say, as text); the events must come back as values.
const types: CustomTypesConfig = {
  getTypeParser: (id, format) =>
    id === pg.types.builtins.JSON ? JSON.parse : pg.types.getTypeParser(id, format),
};

// Positions are bigint, which the driver hands over as text; they stay far below 2^53.
// Frozen like the memory store's events, so no adapter hands out something a caller can change.
function toStoredEvent(row: EventRow): StoredEvent {
  return deepFreeze({
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    sourceId: row.source_id,
    tenantId: row.tenant_id,
    streamVersion: row.stream_version,
    occurredAt: row.occurred_at,
    data: row.data,
    metadata: row.metadata,
    position: Number(row.position),
  });
}

/** Events after a position, in position order, optionally one tenant's and at most `limit`. */
export async function readAllEvents(
  pool: Pool,
  names: SchemaNames,
  { after = 0, tenantId, limit }: ReadAllOptions = {},
): Promise<StoredEvent[]> {
  if (limit !== undefined && limit <= 0) return [];
  const parameters: unknown[] = [after];
  let sql = `SELECT ${COLUMNS} FROM ${names.quoted}.events WHERE position > $1`;
  if (tenantId !== undefined) {
    parameters.push(tenantId);
    sql += ` AND tenant_id = $${parameters.length}`;
  }
  sql += ' ORDER BY position';
  if (limit !== undefined) {
    parameters.push(limit);
    sql += ` LIMIT $${parameters.length}`;
  }
  const { rows } = await pool.query<EventRow>({ text: sql, values: parameters, types });
  return rows.map(toStoredEvent);
}

/** One stream's events in stream order. */
export async function readStreamEvents(
  pool: Pool,
  names: SchemaNames,
  streamId: string,
): Promise<StoredEvent[]> {
  const { rows } = await pool.query<EventRow>({
    text: `SELECT ${COLUMNS} FROM ${names.quoted}.events WHERE source_id = $1 ORDER BY stream_version`,
    values: [streamId],
    types,
  });
  return rows.map(toStoredEvent);
}

/** The highest position in the log, 0 when it is empty. */
export async function readHead(pool: Pool, names: SchemaNames): Promise<number> {
  const { rows } = await pool.query<{ head: string }>(
    `SELECT coalesce(max(position), 0) AS head FROM ${names.quoted}.events`,
  );
  return Number(rows[0]?.head ?? 0);
}
