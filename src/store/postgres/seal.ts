import type { ClientBase, Pool } from 'pg';
import { eventHash } from '../chain.js';
import { EVENT_COLUMNS, type EventRow, eventFromRow } from '../event-row.js';
import type { SchemaNames } from './names.js';
import { types, VISIBLE } from './read.js';

/** Events sealed per transaction. */
export const SEAL_PAGE = 1000;

/**
 * Seals the next page of the visible log: the events after the chain's head
 * (kept in `chain_head`), in position order, each hashed after the one
 * before and updated in place. Runs in the caller's transaction, which must
 * hold the seal lock (or the migration's), so only one sealer moves the head.
 *
 * Sealing only what is visible is what makes it sound while appends commit
 * side by side: an event becomes visible once every older transaction has
 * ended, so no committed event can later appear below the sealed head, and
 * a position skipped by a failed command is never filled.
 */
export async function sealPage(
  client: ClientBase,
  names: SchemaNames,
  limit = SEAL_PAGE,
): Promise<{ sealed: number; head: number }> {
  const s = names.quoted;
  const { rows: heads } = await client.query<{ position: string; hash: string }>(
    `SELECT position, hash FROM ${s}.chain_head`,
  );
  let head = Number(heads[0]?.position ?? 0);
  let previous = heads[0]?.hash ?? '';
  const { rows } = await client.query<EventRow<string>>({
    text: `SELECT ${EVENT_COLUMNS} FROM ${s}.events WHERE position > $1 AND ${VISIBLE}
           ORDER BY position LIMIT $2`,
    values: [head, limit],
    types,
  });
  const positions: number[] = [];
  const hashes: string[] = [];
  for (const row of rows) {
    // A hash already there past the head was not written by a sealer: the
    // chain check must see it as it is, so sealing stops before it.
    if (row.hash !== null) break;
    const event = eventFromRow(row);
    previous = eventHash(previous, event);
    head = event.position;
    positions.push(head);
    hashes.push(previous);
  }
  if (positions.length === 0) return { sealed: 0, head };
  await client.query(
    `UPDATE ${s}.events AS e SET hash = v.hash
       FROM unnest($1::bigint[], $2::text[]) AS v(position, hash) WHERE e.position = v.position`,
    [positions, hashes],
  );
  await client.query(`UPDATE ${s}.chain_head SET position = $1, hash = $2`, [head, previous]);
  return { sealed: positions.length, head };
}

/** One page sealed in a transaction of its own, or `busy` when another sealer holds the lock. */
export async function sealOnce(
  pool: Pool,
  names: SchemaNames,
): Promise<{ sealed: number; head: number; busy: boolean }> {
  const client = await pool.connect();
  const ignore = () => {};
  client.on('error', ignore);
  let failure: unknown;
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_xact_lock($1, $2) AS locked',
      [...names.sealLock],
    );
    if (!rows[0]?.locked) {
      await client.query('ROLLBACK');
      return { sealed: 0, head: 0, busy: true };
    }
    const result = await sealPage(client, names);
    await client.query('COMMIT');
    return { ...result, busy: false };
  } catch (error) {
    failure = error;
    await client.query('ROLLBACK').catch(ignore);
    throw error;
  } finally {
    client.removeListener('error', ignore);
    client.release(failure instanceof Error ? failure : undefined);
  }
}
