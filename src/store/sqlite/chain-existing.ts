import type { Database } from 'better-sqlite3';
import { eventHash, GENESIS_HASH } from '../chain.js';
import { EVENT_COLUMNS, type EventRow, eventFromRow } from '../event-row.js';

const PAGE = 1000;

/**
 * Chains the events a log held before it had a hash column, in position
 * order, inside the migration's transaction, a page at a time so a large log
 * is chained in flat memory. A row that does not read back (damaged JSON) is
 * left without a hash, and so is every row after it: the chain cannot vouch
 * for what follows a damaged event, and reading the log reports that row as
 * it did before.
 */
export function chainExistingEvents(db: Database): void {
  const page = db.prepare<[number, number], EventRow<number>>(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
  );
  const update = db.prepare<[string, number]>('UPDATE events SET hash = ? WHERE position = ?');
  let previous = GENESIS_HASH;
  let after = 0;
  for (;;) {
    const rows = page.all(after, PAGE);
    for (const row of rows) {
      let event: ReturnType<typeof eventFromRow>;
      try {
        event = eventFromRow(row);
      } catch {
        return;
      }
      previous = eventHash(previous, event);
      update.run(previous, event.position);
      after = event.position;
    }
    if (rows.length < PAGE) return;
  }
}
