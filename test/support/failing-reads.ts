import { DataSourceError, ErrorCode, type EventStore } from '../../src/index.js';

/**
 * A real store whose whole-log reads are counted and can be made to fail on
 * demand: how a test puts a read failure exactly between an append and the
 * read after it, which a driver failure cannot be timed to hit, or sees
 * whether a registry reads at all. Everything else goes to the store
 * untouched.
 */
export function withFailingReads(store: EventStore) {
  let failing = false;
  let reads = 0;
  const wrapped: EventStore = {
    ...store,
    async readAll(options) {
      reads += 1;
      if (failing) {
        throw new DataSourceError('Reading the log failed: the test cut it off', {
          code: ErrorCode.STORE_ERROR,
        });
      }
      return store.readAll(options);
    },
  };
  return {
    store: wrapped,
    failReads(on: boolean) {
      failing = on;
    },
    /** How many whole-log reads were asked for, failed ones included. */
    get reads() {
      return reads;
    },
  };
}
