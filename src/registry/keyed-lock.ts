/**
 * Runs tasks one at a time per key. A task holding several keys queues on all
 * of them in one synchronous step, so two multi-key tasks cannot deadlock.
 */
export interface KeyedLock {
  run<T>(keys: readonly string[], task: () => Promise<T>): Promise<T>;
}

/** A task queued behind others: it starts once it is first in line on every key it needs. */
interface Waiter {
  pending: number;
  start: () => void;
}

/** The queue of a key held with no one waiting: shared, and never pushed to, so holding a key allocates nothing. */
const NO_WAITERS: Waiter[] = [];

export function createKeyedLock(): KeyedLock {
  // A key present is held; its array lists who waits for it, in order.
  const queues = new Map<string, Waiter[]>();

  function release(keys: readonly string[]) {
    for (const key of keys) {
      // Stryker disable next-line OptionalChaining: only held keys are released, and a held key has a queue
      const next = queues.get(key)?.shift();
      // The key passes to the next in line, or is free when no one waits.
      if (next === undefined) queues.delete(key);
      else if (--next.pending === 0) next.start();
    }
  }

  function runHeld<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    let running: Promise<T>;
    try {
      running = task();
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.then(
      (value) => {
        release(keys);
        return value;
      },
      (error: unknown) => {
        release(keys);
        throw error;
      },
    );
  }

  return {
    run(keys, task) {
      // An uncontended key costs a map entry, not a waiter or a promise of its own.
      let waiter: Waiter | undefined;
      for (const key of keys) {
        let queue = queues.get(key);
        if (queue === undefined) {
          queues.set(key, NO_WAITERS);
          continue;
        }
        if (queue === NO_WAITERS) {
          queue = [];
          queues.set(key, queue);
        }
        waiter ??= { pending: 0, start: () => {} };
        queue.push(waiter);
        waiter.pending++;
      }
      if (waiter === undefined) return runHeld(keys, task);
      const queued = waiter;
      return new Promise<void>((resolve) => {
        queued.start = resolve;
      }).then(() => runHeld(keys, task));
    },
  };
}
