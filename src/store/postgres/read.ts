import type { CustomTypesConfig, Pool } from 'pg';
import pg from 'pg';
import { EVENT_COLUMNS, eventFromRow, type EventRow as SqlEventRow } from '../event-row.js';
import type { ReadAllOptions, StoredEvent } from '../event-store.js';
import type { SchemaNames } from './names.js';

/** An `events` row as pg returns it: bigint as text, json as text (below). */
type EventRow = SqlEventRow<string>;

// The json columns come back as their text, whatever the caller's pool
// parses json to, and are parsed where a row that does not parse can be
// reported as a damaged event at its position rather than a driver failure.
const types: CustomTypesConfig = {
  getTypeParser: (id, format) =>
    id === pg.types.builtins.JSON ? (text: string) => text : pg.types.getTypeParser(id, format),
};

const toStoredEvent = (row: EventRow): StoredEvent => eventFromRow(row);

/**
 * Only events of transactions older than every one still running: a reader
 * seeing position p then sees every committed event below p, since positions
 * are handed out in transaction id order.
 */
const VISIBLE = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

/** Events after a position, in position order, optionally one tenant's and at most `limit`. */
export async function readAllEvents(
  pool: Pool,
  names: SchemaNames,
  { after = 0, tenantId, limit }: ReadAllOptions = {},
): Promise<StoredEvent[]> {
  if (limit !== undefined && limit <= 0) return [];
  const parameters: unknown[] = [after];
  let sql = `SELECT ${EVENT_COLUMNS} FROM ${names.quoted}.events WHERE position > $1 AND ${VISIBLE}`;
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
    text: `SELECT ${EVENT_COLUMNS} FROM ${names.quoted}.events WHERE source_id = $1 ORDER BY stream_version`,
    values: [streamId],
    types,
  });
  return rows.map(toStoredEvent);
}

/**
 * The highest committed position, 0 when the log is empty. It may not be
 * readable yet, while an older append is still committing: a reader that
 * must see it reads again until it does.
 */
export async function readHead(pool: Pool, names: SchemaNames): Promise<number> {
  const { rows } = await pool.query<{ head: string }>(
    `SELECT coalesce(max(position), 0) AS head FROM ${names.quoted}.events`,
  );
  return Number(rows[0]?.head ?? 0);
}
