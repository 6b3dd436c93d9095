import { defineConfig } from 'vitest/config';

/**
 * The whole suite. Test files share one module graph per worker
 * (`isolate: false`): loading the library and its dependencies again for
 * each of the suite's files took about a third of a run. No test relies on
 * a fresh module: state a test changes (a spy, an environment variable, a
 * listener on `process`) it restores itself. The global setup names and, at
 * the end, drops the PostgreSQL schemas the registry suite reuses.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    isolate: false,
    globalSetup: ['test/support/postgres-run.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
