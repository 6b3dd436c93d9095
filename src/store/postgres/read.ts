import type { CustomTypesConfig, Pool } from 'pg';
import pg from 'pg';
import { EVENT_COLUMNS, eventFromRow, type EventRow as SqlEventRow } from '../event-row.js';
import type { ReadAllOptions, StoredEvent } from '../event-store.js';
import type { SchemaNames } from './names.js';
import { prepared } from './prepared.js';

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

type PageRow = { [K in keyof EventRow]: EventRow[K] | null } & {
  committed_head: string;
  visible_head: string;
};

/** What a page read waits for before it reads. */
export interface PageWait {
  /** The position the log must be readable up to; 0 waits for nothing. */
  readonly until: number;
  /** How long to wait for it, in milliseconds, before reading what is readable. */
  readonly ms: number;
}

/**
 * Events after a position, in position order, optionally one tenant's and at
 * most `limit`, with the heads seen by the same snapshot; read by the
 * server's `read_page`, which first waits, without a round trip, until the
 * log is readable up to `wait.until`.
 */
export async function readAllEvents(
  pool: Pool,
  names: SchemaNames,
  { after = 0, tenantId, limit }: ReadAllOptions = {},
  wait: PageWait = { until: 0, ms: 0 },
): Promise<LogPage> {
  const { rows } = await pool.query<PageRow>({
    ...prepared(`SELECT * FROM ${names.quoted}.read_page($1, $2, $3, $4, $5)`),
    values: [
      after,
      tenantId ?? null,
      limit === undefined ? null : Math.max(0, limit),
      wait.until,
      wait.ms,
    ],
    types,
  });
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
