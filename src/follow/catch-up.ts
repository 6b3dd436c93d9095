import { DataSourceError, ErrorCode } from '../domain/errors.js';
import type { EventStore, StoredEvent } from '../store/event-store.js';
import { readEnded, readStarted } from './catch-up-diagnostics.js';

// Large pages: a page of a long log touches nearly as many streams as it has
// events, and each stream touched costs a copy and a reindex once per page.
const PAGE = 100_000;
/** How long a committed event may stay invisible (an older transaction still open) before we give up. */
const VISIBILITY_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads what the log holds beyond a fold's position and hands it to the fold,
 * one reader at a time. Callers that come while a read is queued share it; a
 * caller that needs its own events applied names their last position.
 */
export interface CatchUp {
  (until?: number): Promise<void>;
  /** Resolves once no read is running or queued, whatever its outcome. */
  idle(): Promise<void>;
}

/** Catches up to the head the store reports now: what the registry's `refresh()` promises. */
export async function catchUpToHead(store: EventStore, catchUp: CatchUp): Promise<void> {
  await catchUp(await store.head());
}

/**
 * A catch-up for any fold of the log: `position` says how far it has
 * applied, `apply` takes the next stored events in position order (and must
 * move `position` past them). What the events become is the fold's business:
 * decoding them, checking their schema, folding them. No read starts
 * before `startAfter` settles: a fold restored from a snapshot must not have
 * the log read under it while it is restored.
 */
export function createCatchUp(
  store: EventStore,
  position: () => number,
  apply: (events: readonly StoredEvent[]) => void,
  startAfter: Promise<void> = Promise.resolve(),
): CatchUp {
  let reading: Promise<void> = startAfter;
  let queued: Promise<void> | null = null;
  let target = 0;
  let replayed = false;
  /** Events read so far, for the diagnostics of each read. */
  let read = 0;

  async function readToHead(): Promise<void> {
    const observed = readStarted(position(), read);
    let failure: { error: unknown } | undefined;
    try {
      const started = Date.now();
      // The first read goes to the head the store reports: a store may commit
      // an event a moment before it can be read, and a registry opened after a
      // command resolved elsewhere must still see it.
      if (!replayed) {
        target = Math.max(target, await store.head());
        replayed = true;
      }
      for (;;) {
        const batch = await store.readAll({ after: position(), limit: PAGE });
        read += batch.length;
        if (batch.length > 0) apply(batch);
        if (batch.length === PAGE) continue;
        if (position() >= target) return;
        if (Date.now() - started > VISIBILITY_TIMEOUT_MS) {
          throw new DataSourceError(
            `The ${store.kind} store did not show position ${target} within ${VISIBILITY_TIMEOUT_MS} ms`,
            { code: ErrorCode.STORE_ERROR },
          );
        }
        await sleep(2);
      }
    } catch (error) {
      failure = { error };
      throw error;
    } finally {
      readEnded(store.kind, observed, position(), read, failure);
    }
  }

  const catchUp = (until = 0) => {
    if (until > 0 && position() >= until) return Promise.resolve();
    target = Math.max(target, until);
    if (!queued) {
      const run = reading.then(() => {
        queued = null;
        return readToHead();
      });
      queued = run;
      reading = run.catch(() => {});
    }
    return queued;
  };
  return Object.assign(catchUp, {
    async idle() {
      // A read queued while waiting replaces `reading`: wait until none is left.
      for (let last: Promise<void> | undefined; last !== reading; ) {
        last = reading;
        await last;
      }
    },
  });
}
