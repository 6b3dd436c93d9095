import { DataSourceError, ErrorCode } from '../domain/errors.js';
import type { EventStore, StoredEvent } from '../store/event-store.js';

const PAGE = 100_000;
/** How long a committed event may stay invisible (an older transaction still open) before we give up. */
const VISIBILITY_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Which part of the log to read. */
export interface LogRange {
  /** Read events after this position (0: from the start). */
  after: number;
  /**
   * Read up to and including this position, which the store has reported as
   * committed (at most its head): the read waits for every event up to it to
   * become visible.
   */
  until: number;
  /** Ends the read before the first event for which it is true (default: never). */
  stopBefore?: (event: StoredEvent) => boolean;
}

/**
 * Reads a range of the log once, in position order, handing each page to
 * `apply`: a fold of the log up to a point, where a catch-up would read on
 * to the head. Resolves once an event at or past `until` has been seen (or
 * `stopBefore` ended it), so an event the store committed a moment before
 * it can be read is waited for rather than missed; a position in a gap of
 * the log (PostgreSQL may skip numbers) ends the read at the next event.
 *
 * @throws DataSourceError STORE_ERROR when the store fails, or when events
 *   up to `until` stay invisible for 30 seconds.
 */
export async function readRange(
  store: EventStore,
  range: LogRange,
  apply: (events: readonly StoredEvent[]) => void,
): Promise<void> {
  const { until, stopBefore } = range;
  const started = Date.now();
  let after = range.after;
  while (after < until) {
    const page = await store.readAll({ after, limit: PAGE });
    let end = page.length;
    let done = false;
    for (let i = 0; i < page.length; i++) {
      const event = page[i] as StoredEvent;
      if (event.position > until || stopBefore?.(event)) {
        end = i;
        done = true;
        break;
      }
    }
    if (end > 0) {
      const taken = end === page.length ? page : page.slice(0, end);
      apply(taken);
      after = (taken[taken.length - 1] as StoredEvent).position;
    }
    if (done) return;
    if (page.length === PAGE) continue;
    if (after >= until) return;
    if (Date.now() - started > VISIBILITY_TIMEOUT_MS) {
      throw new DataSourceError(
        `The ${store.kind} store did not show position ${until} within ${VISIBILITY_TIMEOUT_MS} ms`,
        { code: ErrorCode.STORE_ERROR },
      );
    }
    await sleep(2);
  }
}
