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
export const types: CustomTypesConfig = {
  getTypeParser: (id, format) =>
    id === pg.types.builtins.JSON ? (text: string) => text : pg.types.getTypeParser(id, format),
};

const toStoredEvent = (row: EventRow): StoredEvent => eventFromRow(row);

/**
 * Only events of transactions older than every one still running: a reader
 * seeing position p then sees every committed event below p, since positions
 * are handed out in transaction id order.
 */
export const VISIBLE = 'transaction_id < pg_snapshot_xmin(pg_current_snapshot())';

/** A page of the log, and where the log stood when it was read. */
export interface LogPage {
  readonly events: StoredEvent[];
  /** The highest committed position, readable or not. */
  readonly committed: number;
  /** The highest position readable: what this page could reach. */
  readonly visible: number;
}

const HEADS = (s: string) => `SELECT
  (SELECT coalesce(max(position), 0) FROM ${s}.events) AS committed_head,
  (SELECT coalesce(max(position), 0) FROM ${s}.events WHERE ${VISIBLE}) AS visible_head`;

type PageRow = { [K in keyof EventRow]: EventRow[K] | null } & {
  committed_head: string;
  visible_head: string;
};

/**
 * Events after a position, in position order, optionally one tenant's and at
 * most `limit`, with the heads seen by the same statement (so by the same
 * snapshot): one row of heads joined to the page, kept when the page is empty.
 */
export async function readAllEvents(
  pool: Pool,
  names: SchemaNames,
  { after = 0, tenantId, limit }: ReadAllOptions = {},
): Promise<LogPage> {
  const s = names.quoted;
  const parameters: unknown[] = [after];
  let page = `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE position > $1 AND ${VISIBLE}`;
  if (tenantId !== undefined) {
    parameters.push(tenantId);
    page += ` AND tenant_id = $${parameters.length}`;
  }
  page += ' ORDER BY position';
  if (limit !== undefined) {
    parameters.push(Math.max(0, limit));
    page += ` LIMIT $${parameters.length}`;
  }
  const sql = `SELECT h.committed_head, h.visible_head, e.* FROM (${HEADS(s)}) AS h
    LEFT JOIN LATERAL (${page}) AS e ON true ORDER BY e.position`;
  const { rows } = await pool.query<PageRow>({ text: sql, values: parameters, types });
  const first = rows[0];
  const events = rows.filter((row): row is PageRow & EventRow => row.position !== null);
  return {
    events: events.map(toStoredEvent),
    committed: Number(first?.committed_head ?? 0),
    visible: Number(first?.visible_head ?? 0),
  };
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
