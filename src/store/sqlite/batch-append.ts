import type Database from 'better-sqlite3';
import { checkAppendRequest, storeError } from '../append-checks.js';
import type { AppendOutcome, AppendRequest, StoredEvent } from '../event-store.js';

/**
 * Appends several commands in one IMMEDIATE transaction: one commit, one sync
 * to disk, for all of them. Each runs as the single append does, nested in a
 * savepoint (better-sqlite3 makes a nested transaction one), so a command
 * whose checks fail is rolled back alone and the ones after it still see the
 * ones before it, as if each had been appended in turn. A lone command needs
 * no savepoint: its failure rolls back the transaction, which holds nothing else.
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
  /** The lone command's own failure, told apart from one of BEGIN or COMMIT, which fails the call. */
  const refused: unknown[] = [];
  const alone = db.transaction((request: AppendRequest) => {
    try {
      return appendOne(request);
    } catch (error) {
      refused.push(error);
      throw error;
    }
  });
  function single(request: AppendRequest): AppendOutcome {
    try {
      checkAppendRequest(request);
    } catch (error) {
      return { ok: false, error: storeError('SQLite append', error) };
    }
    if (request.events.length === 0) return { ok: true, events: [] };
    refused.length = 0;
    try {
      // IMMEDIATE takes the write lock at BEGIN: two processes then queue on
      // busy_timeout instead of one failing when it upgrades a read lock.
      return { ok: true, events: alone.immediate(request) };
    } catch (error) {
      if (refused.length === 0) throw error;
      return { ok: false, error: storeError('SQLite append', refused[0]) };
    }
  }
  return (requests) => {
    const [only] = requests;
    if (requests.length === 1 && only !== undefined) return [single(only)];
    return batch.immediate(requests);
  };
}
