import Database from 'better-sqlite3';
import { eventHash, GENESIS_HASH } from '../../src/store/chain.js';
import { EVENT_COLUMNS, type EventRow, eventFromRow } from '../../src/store/event-row.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { adminQuery } from './postgres.js';

/**
 * Hashes rows again after a test changed them around the store, as someone
 * with write access to the database could: the chain then holds, and the
 * store's other checks of a damaged row are what the test sees. Stops at a
 * row that does not read back (its JSON is what the test damaged).
 */
function rehash<P extends number | string>(rows: EventRow<P>[]): [string, number][] {
  const hashes: [string, number][] = [];
  let previous = GENESIS_HASH;
  for (const row of rows) {
    try {
      const event = eventFromRow(row);
      previous = eventHash(previous, event);
      hashes.push([previous, event.position]);
    } catch {
      break;
    }
  }
  return hashes;
}

/** Rewrites every hash of a SQLite log to match its rows. */
export function rechainSqlite(filename: string): void {
  const db = new Database(filename);
  try {
    const rows = db
      .prepare<[], EventRow<number>>(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY position`)
      .all();
    const update = db.prepare('UPDATE events SET hash = ? WHERE position = ?');
    db.transaction(() => {
      for (const [hash, position] of rehash(rows)) update.run(hash, position);
    })();
  } finally {
    db.close();
  }
}

/** Rewrites every hash of a PostgreSQL log, and the sealed head, to match its rows. */
export async function rechainPostgres(url: string, schema: string): Promise<void> {
  const s = quoteIdentifier(schema);
  const columns = EVENT_COLUMNS.replace(
    'data, metadata',
    'data::text AS data, metadata::text AS metadata',
  );
  const rows = await adminQuery<EventRow<string>>(
    url,
    `SELECT ${columns} FROM ${s}.events ORDER BY position`,
  );
  const hashes = rehash(rows);
  await adminQuery(
    url,
    `UPDATE ${s}.events AS e SET hash = v.hash
       FROM unnest($1::text[], $2::bigint[]) AS v(hash, position) WHERE e.position = v.position`,
    [hashes.map(([hash]) => hash), hashes.map(([, position]) => position)],
  );
  const last = hashes.at(-1);
  if (last !== undefined) {
    await adminQuery(url, `UPDATE ${s}.chain_head SET hash = $1, position = $2`, last);
  }
}
