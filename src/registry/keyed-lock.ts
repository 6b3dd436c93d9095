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

export function createKeyedLock(): KeyedLock {
  // A key present is held; its array lists who waits for it, in order.
  const queues = new Map<string, Waiter[]>();

  function release(keys: readonly string[]) {
    for (const key of keys) {
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
      // An uncontended key costs a map entry, not a promise of its own.
      const waiter: Waiter = { pending: 0, start: () => {} };
      for (const key of keys) {
        const queue = queues.get(key);
        if (queue) {
          queue.push(waiter);
          waiter.pending++;
        } else queues.set(key, []);
      }
      if (waiter.pending === 0) return runHeld(keys, task);
      return new Promise<void>((resolve) => {
        waiter.start = resolve;
      }).then(() => runHeld(keys, task));
    },
  };
}
