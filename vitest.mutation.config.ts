import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * The suite as StrykerJS runs it for each mutant. The mutated code (domain,
 * projections, security, store checks, memory store, registry) is exercised
 * in process; the tests left out here check the SQLite and PostgreSQL drivers,
 * other processes and the demo, cost seconds each, and would run for every
 * mutant they happen to execute.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        'test/store/sqlite-*.test.ts',
        'test/store/postgres-*.test.ts',
        'test/store/store-left-open.test.ts',
        'test/promises/demo.test.ts',
        'test/promises/driver-subpaths.test.ts',
        'test/lifecycle/contention.test.ts',
        'test/lifecycle/clear-tenant.test.ts',
        'test/lifecycle/shutdown.test.ts',
      ],
    },
  }),
);
