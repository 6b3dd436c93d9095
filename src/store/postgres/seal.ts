import type { ClientBase, Pool } from 'pg';
import { eventHash } from '../chain.js';
import { EVENT_COLUMNS, type EventRow, eventFromRow } from '../event-row.js';
import type { SchemaNames } from './names.js';
import { prepared } from './prepared.js';
import { types, VISIBLE } from './read.js';

const TRY_LOCK = prepared('SELECT pg_try_advisory_lock($1, $2) AS locked');
const UNLOCK = prepared('SELECT pg_advisory_unlock($1, $2)');

/** Events sealed per page. */
export const SEAL_PAGE = 1000;

/**
 * Sealing the log: the readable events after the chain's head (kept in
 * `chain_head`), in position order, each hashed after the one before and
 * updated in place, then the head moved. One sealer at a time, under the
 * seal lock (or the migration's).
 *
 * Sealing only what is readable is what makes it sound while appends commit
 * side by side: an event becomes readable once every older transaction has
 * ended, so no committed event can later appear below the sealed head, and
 * a position skipped by a failed command is never filled.
 */
type PageRow = EventRow<string> & { head_position: string; head_hash: string };

// chain_head holds one row, but a table never analyzed is guessed at over a
// thousand, each joined to a page: a plan costed past jit_above_cost, which
// spent about 100 ms compiling for every page sealed. LIMIT 1 says one row.
/** The page a sealer reads next, `$1` events at most. */
export const pageSql = (s: string) => `SELECT h.position AS head_position,
    h.hash AS head_hash, e.*
  FROM (SELECT position, hash FROM ${s}.chain_head LIMIT 1) AS h
  LEFT JOIN LATERAL (SELECT ${EVENT_COLUMNS} FROM ${s}.events
    WHERE position > h.position AND ${VISIBLE} ORDER BY position LIMIT $1) AS e ON true
  ORDER BY e.position`;

// Prepared like the page read: planned each time, it took 0.1 to 0.2 ms
// (0.7 ms on a fresh connection) beside 0.75 ms for updating 28 events.
const writeSql = (s: string) => `WITH sealed AS (
    UPDATE ${s}.events AS e SET hash = v.hash
      FROM unnest($1::bigint[], $2::text[]) AS v(position, hash) WHERE e.position = v.position)
  UPDATE ${s}.chain_head SET position = $3, hash = $4`;

/** The hashes of a page, stopping before a row that has one already. */
function hashPage(rows: PageRow[]): { positions: number[]; hashes: string[]; head: number } {
  let head = Number(rows[0]?.head_position ?? 0);
  let previous = rows[0]?.head_hash ?? '';
  const positions: number[] = [];
  const hashes: string[] = [];
  for (const row of rows) {
    if (row.position === null) break;
    // A hash already there past the head was not written by a sealer: the
    // chain check must see it as it is, so sealing stops before it.
    if (row.hash !== null) break;
    const event = eventFromRow(row);
    previous = eventHash(previous, event);
    head = event.position;
    positions.push(head);
    hashes.push(previous);
  }
  return { positions, hashes, head };
}

async function sealRows(
  client: ClientBase,
  names: SchemaNames,
  rows: PageRow[],
): Promise<{ sealed: number; head: number }> {
  const { positions, hashes, head } = hashPage(rows);
  if (positions.length > 0) {
    await client.query({
      ...prepared(writeSql(names.quoted)),
      values: [positions, hashes, head, hashes.at(-1)],
    });
  }
  return { sealed: positions.length, head };
}

/** Seals the next page in the caller's transaction, which holds the migration lock. */
export async function sealPage(
  client: ClientBase,
  names: SchemaNames,
): Promise<{ sealed: number; head: number }> {
  const { rows } = await client.query<PageRow>({
    text: pageSql(names.quoted),
    values: [SEAL_PAGE],
    types,
  });
  return sealRows(client, names, rows);
}

/**
 * One page sealed on one connection: the seal lock tried, the page read, the
 * hashes and the head written in one statement (so one commit), the lock
 * released. The lock is
 * a session lock, held for those statements only, never by an append; a
 * connection that dies releases it. `busy` when another sealer holds it.
 */
export async function sealOnce(
  pool: Pool,
  names: SchemaNames,
): Promise<{ sealed: number; head: number; busy: boolean }> {
  const client = await pool.connect();
  const ignore = () => {};
  client.on('error', ignore);
  let failure: unknown;
  let locked = false;
  try {
    const { rows: lock } = await client.query<{ locked: boolean }>({
      ...TRY_LOCK,
      values: [...names.sealLock],
    });
    locked = lock[0]?.locked === true;
    if (!locked) return { sealed: 0, head: 0, busy: true };
    const { rows } = await client.query<PageRow>({
      ...prepared(pageSql(names.quoted)),
      values: [SEAL_PAGE],
      types,
    });
    return { ...(await sealRows(client, names, rows)), busy: false };
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    if (locked) {
      await client.query({ ...UNLOCK, values: [...names.sealLock] }).catch((error) => {
        // Not released: the connection is closed instead, which releases it.
        failure ??= error;
      });
    }
    client.removeListener('error', ignore);
    client.release(failure instanceof Error ? failure : undefined);
  }
}
