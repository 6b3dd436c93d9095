import { DataSourceError, ErrorCode, type EventStore } from '../../src/index.js';

/**
 * A real store whose whole-log reads can be made to fail on demand: how a
 * test puts a read failure exactly between an append and the read after it,
 * which a driver failure cannot be timed to hit. Everything else goes to the
 * store untouched.
 */
export function withFailingReads(store: EventStore) {
  let failing = false;
  const wrapped: EventStore = {
    ...store,
    async readAll(options) {
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
  };
}
