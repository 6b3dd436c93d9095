import type { EventStore } from '../store/event-store.js';
import type { CatchUp } from './catch-up.js';

/** A registry's subscription to its store's appends. */
export interface Follower {
  /** Forget the heads heard so far: the log was cleared. */
  reset(): void;
  stop(): void;
}

/** The least time between two reads that follow notices, and the pause after a read found nothing. */
const MIN_INTERVAL_MS = 5;
const NO_PROGRESS_MS = 5;

/**
 * Follows the store's notices of appends: catches up soon, once per burst.
 * When the registry wrote those events itself it has applied them by then,
 * and nothing is read. Checked again after each catch-up, so a notice that
 * arrived while a read was in flight is not lost; a catch-up that made no
 * progress (the events are not visible yet) looks again a little later.
 */
export function followStore(store: EventStore, position: () => number, catchUp: CatchUp): Follower {
  let notified = 0;
  let scheduled = false;
  let stopped = false;
  let lastRead = 0;

  function run() {
    scheduled = false;
    if (stopped || notified <= position()) return;
    const from = position();
    lastRead = Date.now();
    catchUp().then(
      () => onAppended(position() === from ? -1 : 0),
      // A failed read is retried by the next notice or command, which report it.
      () => {},
    );
  }

  /** `head` -1: the last read made no progress (the events are not visible yet). */
  function onAppended(head: number) {
    notified = Math.max(notified, head);
    if (scheduled || stopped || notified <= position()) return;
    scheduled = true;
    // Several writers make a notice per append; reading at most every few
    // milliseconds lets one read take in a burst of them.
    const wait = head === -1 ? NO_PROGRESS_MS : lastRead + MIN_INTERVAL_MS - Date.now();
    if (wait > 0) setTimeout(run, wait);
    else setImmediate(run);
  }

  const unsubscribe = store.subscribe(onAppended);
  return {
    reset() {
      notified = 0;
    },
    stop() {
      stopped = true;
      unsubscribe();
    },
  };
}
