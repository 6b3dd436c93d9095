import type Database from 'better-sqlite3';
import { checkAppendRequest, storeError } from '../append-checks.js';
import type { AppendOutcome, AppendRequest, StoredEvent } from '../event-store.js';

/**
 * Appends several commands in one IMMEDIATE transaction: one commit, one sync
 * to disk, for all of them. Each runs as the single append does, nested in a
 * savepoint (better-sqlite3 makes a nested transaction one), so a command
 * whose checks fail is rolled back alone and the ones after it still see the
 * ones before it, as if each had been appended in turn.
 */
export function createBatchAppend(
  db: Database.Database,
  appendOne: (request: AppendRequest) => StoredEvent[],
): (requests: readonly AppendRequest[]) => AppendOutcome[] {
  const nested = db.transaction(appendOne);
  const batch = db.transaction((requests: readonly AppendRequest[]) =>
    requests.map((request): AppendOutcome => {
      try {
        checkAppendRequest(request);
        return { ok: true, events: request.events.length === 0 ? [] : nested(request) };
      } catch (error) {
        return { ok: false, error: storeError('SQLite append', error) };
      }
    }),
  );
  // IMMEDIATE takes the write lock at BEGIN: two processes then queue on
  // busy_timeout instead of one failing when it upgrades a read lock.
  return (requests) => batch.immediate(requests);
}
