import type { EventStore } from '../store/event-store.js';
import type { CatchUp } from './catch-up.js';

/** A registry's subscription to its store's appends. */
export interface Follower {
  /** Forget the heads heard so far: the log was cleared. */
  reset(): void;
  stop(): void;
}

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

  function onAppended(head: number) {
    notified = Math.max(notified, head);
    if (scheduled || stopped || notified <= position()) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      if (stopped || notified <= position()) return;
      const from = position();
      catchUp().then(
        () => {
          if (position() === from) setTimeout(() => onAppended(0), 5);
          else onAppended(0);
        },
        // A failed read is retried by the next notice or command, which report it.
        () => {},
      );
    });
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
