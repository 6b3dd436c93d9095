import { Tinypool } from 'tinypool';
import { defineConfig, mergeConfig } from 'vitest/config';
import { BaseSequencer, type Reporter, type TestSpecification, type Vitest } from 'vitest/node';
import base from './vitest.config.js';

/**
 * One worker for a Stryker process's mutants, for as long as each run
 * passes. Vitest ends every run of a pool without isolation by replacing its
 * workers, so each mutant's run started a fresh worker that evaluated the
 * library, zod, fast-check and every covering test's imports again: about
 * half of what a mutant cost. A Vitest worker is made to run task after
 * task: it evaluates each test file (and setup file) again every run and
 * keeps only the modules they import, and the instrumented code asks which
 * mutant is active each time it runs, so a kept worker tests each mutant as
 * a fresh one would. Only mutants that act while a module loads would need a
 * fresh worker, and those are not run (`ignoreStatic`).
 *
 * A run in which a test failed or timed out is another matter: the mutant
 * may have left work running (a retry loop that never ends, a timer that
 * fires forever), and a kept worker would carry it into the next mutant's
 * run, slowing it into a timeout that is then counted as a kill. So the
 * worker is replaced after any run that did not pass whole, as Vitest would.
 * This is the pool Vitest itself uses (the `tinypool` devDependency is
 * pinned to Vitest's version of it).
 */
let failed = false;
let vitest: Vitest | undefined;
/** Notes whether the run now ending had a failed test, file or unhandled error. */
const runWatch: Reporter = {
  onInit(ctx) {
    vitest = ctx;
  },
  onTestRunStart() {
    failed = false;
  },
  onTestCaseResult(testCase) {
    if (!testCase.ok()) failed = true;
  },
  onTestModuleEnd(testModule) {
    if (!testModule.ok()) failed = true;
  },
};
const recycleWorkers = Tinypool.prototype.recycleWorkers;
Tinypool.prototype.recycleWorkers = function recycleAfterFailure(this: Tinypool, options) {
  const passed = !failed && vitest !== undefined && vitest.state.getUnhandledErrors().length === 0;
  return passed ? Promise.resolve() : recycleWorkers.call(this, options);
};

/**
 * Test files in the order that finds a mutant soonest: a file that failed on
 * the last run first (a neighbouring mutant often fails the same test), then
 * the quickest. The default runs the slowest first, which suits a full run
 * on several workers, not one that stops at the first failure.
 */
class QuickestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const { cache, config } = this.ctx;
    const key = (file: TestSpecification) =>
      `${file.project.name}:${file.moduleId.slice(config.root.length + 1)}`;
    const rank = (file: TestSpecification) => {
      const results = cache.getFileTestResults(key(file));
      if (results === undefined) return Number.POSITIVE_INFINITY;
      return results.failed ? -1 : results.duration;
    };
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

/**
 * The suite as StrykerJS runs it for each mutant. The mutated code (domain,
 * projections, security, store checks, memory store, registry) is exercised
 * in process; the tests left out here check the SQLite and PostgreSQL drivers,
 * other processes and the demo, cost seconds each, and would run for every
 * mutant they happen to execute.
 *
 * Test files share one module graph, as in the whole suite, and (above) one
 * worker from mutant to mutant. A test that runs past 10 s fails: a mutant
 * that makes a registry wait forever is killed then, not after the default
 * 30 s. Properties try a tenth of their
 * cases and the registry suite runs on the memory store alone
 * (`DATASOURCE_REGISTRY_QUICK_TESTS`, see `test/support/property-runs.ts`):
 * each runs once for every mutant it covers.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      env: { DATASOURCE_REGISTRY_QUICK_TESTS: '1' },
      setupFiles: ['test/support/quick-properties.ts'],
      reporters: ['default', runWatch],
      testTimeout: 10_000,
      hookTimeout: 10_000,
      sequence: { sequencer: QuickestFirst },
      exclude: [
        'test/store/sqlite-*.test.ts',
        'test/store/postgres-*.test.ts',
        'test/store/store-left-open.test.ts',
        'test/promises/demo.test.ts',
        'test/promises/driver-subpaths.test.ts',
        'test/lifecycle/contention.test.ts',
        'test/lifecycle/refresh.test.ts',
        'test/lifecycle/clear-tenant.test.ts',
        'test/lifecycle/shutdown.test.ts',
        'test/durable/subscription-processes.test.ts',
        'test/domain/exhaustive-catalog.test.ts',
        'test/promises/doc-examples-compile.test.ts',
      ],
    },
  }),
);
