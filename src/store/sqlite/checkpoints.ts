import type Database from 'better-sqlite3';

/**
 * Events appended since the last checkpoint before one is scheduled, to run
 * once the committing call has returned. One event writes about seven pages
 * of WAL, so this is close to SQLite's own default of 1,000 pages.
 */
export const CHECKPOINT_AFTER_EVENTS = 128;

/**
 * Events appended since the last checkpoint past which the committing call
 * checkpoints itself: a caller that appends in a loop without ever yielding
 * to the event loop never lets the scheduled one run, and the WAL must not
 * grow without bound.
 */
export const CHECKPOINT_INLINE_EVENTS = 512;

/** Keeps the WAL short, off the committing call where it can. */
export interface Checkpointer {
  /** Counts what a commit added to the WAL; checkpoints now or later when it is due. */
  committed(events: number): void;
  /** Cancels a scheduled checkpoint; closing the connection checkpoints what is left. */
  close(): void;
}

/**
 * SQLite's automatic checkpoint runs inside the commit that crosses its
 * threshold: that commit pays for copying the WAL into the database and for
 * the fsyncs, however little it wrote itself. With it turned off, this runs
 * a PASSIVE checkpoint (it never waits for readers or writers, and a busy
 * one simply leaves the rest for the next) after the commit has returned.
 * A commit is durable once it is in the WAL, so when a checkpoint runs
 * changes nothing about what a crash can lose.
 */
export function createCheckpointer(
  db: Database.Database,
  onError: (error: unknown) => void,
): Checkpointer {
  // A private in-memory database has no WAL.
  if (db.memory) return { committed() {}, close() {} };
  let pending = 0;
  let scheduled: NodeJS.Immediate | null = null;

  function checkpoint() {
    if (scheduled !== null) clearImmediate(scheduled);
    scheduled = null;
    pending = 0;
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      onError(error);
    }
  }

  return {
    committed(events) {
      pending += events;
      if (pending >= CHECKPOINT_INLINE_EVENTS) checkpoint();
      else if (pending >= CHECKPOINT_AFTER_EVENTS && scheduled === null) {
        // Unref'd: a checkpoint left undone when the process exits is done by the next open.
        scheduled = setImmediate(() => {
          scheduled = null;
          if (db.open) checkpoint();
        }).unref();
      }
    },
    close() {
      if (scheduled !== null) clearImmediate(scheduled);
      scheduled = null;
    },
  };
}
