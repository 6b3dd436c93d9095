import type { EventStore } from '../store/event-store.js';
import type { CatchUp } from './catch-up.js';

/** A read of the log that failed in the background, and when it is tried again. */
export interface ReadFailure {
  error: unknown;
  /** 1 for the first failure in a row, then 2, 3 … until a read succeeds. */
  attempt: number;
  retryInMs: number;
}

/** A fold's subscription to its store's appends. */
export interface Follower {
  /** Forget the heads heard so far: the log was cleared. */
  reset(): void;
  /**
   * The fold must reach `head`, but reading failed: keep trying in the
   * background, reporting each failure, as for a read of the follower's own.
   */
  fellBehind(head: number, error: unknown): void;
  stop(): void;
}

/** The least time between two reads that follow notices, and the pause after a read found nothing. */
const MIN_INTERVAL_MS = 5;
const NO_PROGRESS_MS = 5;
/** The pause before the first retry of a failed read; it doubles with each failure, up to the last. */
const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 5_000;

/** What a follower needs: the store to hear, the fold's position, how to catch up, whom to tell of failures. */
export interface FollowDeps {
  store: EventStore;
  position: () => number;
  catchUp: CatchUp;
  /** Told of every failed read, with when it is tried again; never of a read after stop(). */
  onError: (failure: ReadFailure) => void;
}

/**
 * Follows the store's notices of appends: catches up soon, once per burst.
 * When the fold's owner wrote those events itself it has applied them by then,
 * and nothing is read. Checked again after each catch-up, so a notice that
 * arrived while a read was in flight is not lost; a catch-up that made no
 * progress (the events are not visible yet) looks again a little later; one
 * that failed is reported and retried with a growing pause. Its timers are
 * unref'd: following the log never keeps a process alive.
 */
export function followStore({ store, position, catchUp, onError }: FollowDeps): Follower {
  let notified = 0;
  let scheduled = false;
  let stopped = false;
  let lastRead = 0;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function schedule(wait: number) {
    scheduled = true;
    timer = setTimeout(run, Math.max(0, wait));
    timer.unref();
  }

  function run() {
    scheduled = false;
    timer = undefined;
    if (stopped || notified <= position()) return;
    const from = position();
    lastRead = Date.now();
    catchUp().then(
      () => {
        failures = 0;
        onAppended(position() === from ? -1 : 0);
      },
      (error: unknown) => failed(error),
    );
  }

  function failed(error: unknown) {
    if (stopped) return;
    failures += 1;
    const retryInMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
    onError({ error, attempt: failures, retryInMs });
    if (scheduled) clearTimeout(timer);
    schedule(retryInMs);
  }

  /** `head` -1: the last read made no progress (the events are not visible yet). */
  function onAppended(head: number) {
    notified = Math.max(notified, head);
    if (scheduled || stopped || notified <= position()) return;
    // Several writers make a notice per append; reading at most every few
    // milliseconds lets one read take in a burst of them.
    schedule(head === -1 ? NO_PROGRESS_MS : lastRead + MIN_INTERVAL_MS - Date.now());
  }

  const unsubscribe = store.subscribe(onAppended);
  return {
    reset() {
      notified = 0;
    },
    fellBehind(head, error) {
      notified = Math.max(notified, head);
      failed(error);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      unsubscribe();
    },
  };
}
