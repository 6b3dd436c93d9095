/**
 * The operations a registry has accepted and not yet settled: commands,
 * refreshes, history reads. `close()` waits for them, so none is left
 * pending on a store that closed under it.
 */
export interface InFlight {
  /** Counts the operation until it settles; returns it unchanged. */
  track<T>(operation: Promise<T>): Promise<T>;
  /** Resolves once everything tracked so far has settled, however it ended. */
  settled(): Promise<void>;
}

export function createInFlight(): InFlight {
  const pending = new Set<Promise<unknown>>();
  return {
    track(operation) {
      pending.add(operation);
      // Stryker disable next-line ArrowFunction: what forgetting a settled operation saves is memory; settled() waits the same either way
      const done = () => pending.delete(operation);
      operation.then(done, done);
      return operation;
    },
    async settled() {
      await Promise.allSettled([...pending]);
    },
  };
}
