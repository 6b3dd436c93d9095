/**
 * Runs tasks one at a time per key. A task holding several keys queues on all
 * of them in one synchronous step, so two multi-key tasks cannot deadlock.
 */
export interface KeyedLock {
  run<T>(keys: readonly string[], task: () => Promise<T>): Promise<T>;
}

export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<void>>();
  return {
    async run(keys, task) {
      let release = () => {};
      const done = new Promise<void>((resolve) => {
        release = resolve;
      });
      const waits: Promise<void>[] = [];
      for (const key of keys) {
        const tail = tails.get(key);
        if (tail) waits.push(tail);
        tails.set(key, done);
      }
      try {
        if (waits.length > 0) await Promise.all(waits);
        return await task();
      } finally {
        release();
        for (const key of keys) if (tails.get(key) === done) tails.delete(key);
      }
    },
  };
}
