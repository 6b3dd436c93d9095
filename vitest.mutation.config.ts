import { Tinypool } from 'tinypool';
import { defineConfig, mergeConfig } from 'vitest/config';
import { BaseSequencer, type Reporter, type TestSpecification, type Vitest } from 'vitest/node';
import base from './vitest.config.js';

/**
 * One worker for a Stryker process's mutants, while nothing a run left
 * behind could reach the next. Vitest ends every run of a pool without
 * isolation by replacing its workers, so each mutant's run started a fresh
 * worker that evaluated the library, zod, fast-check and every covering
 * test's imports again: about half of what a mutant cost. A Vitest worker is
 * made to run task after task: it evaluates each test file (and setup file)
 * again every run and keeps only the modules they import, and the
 * instrumented code asks which mutant is active each time it runs, so a kept
 * worker tests a mutant as a fresh one would, but for two kinds: mutants
 * that act while a module loads, which are not run (`ignoreStatic`), and
 * mutants in a value a module computes once and keeps (last paragraph).
 *
 * The worker is replaced, as Vitest would, after a run that may have left
 * work going: a test or hook that timed out (what it awaited never came,
 * and whatever the mutant set looping may still run), a file that failed
 * outside its tests, or an error thrown outside any test. A kept worker
 * would carry that work into the next mutant's run and slow it into a
 * timeout, which counts as a kill. A test that failed an assertion ended
 * normally, with its hooks run, so its worker is kept: most mutants are
 * killed that way, and those runs are the ones a fresh worker made slow.
 * It is also replaced when the process has grown past 1.5 GiB: the first
 * run, which records which tests reach which mutant, leaves about 3 GiB.
 *
 * A value a module computes on first use and keeps, a kept worker has
 * usually computed already, on another mutant's run: a mutant in it can be
 * judged otherwise than a fresh worker would judge it.
 * `DATASOURCE_REGISTRY_FRESH_WORKERS=1` gives every run a fresh worker, to
 * judge such a mutant. This is the pool Vitest itself uses (the `tinypool`
 * devDependency is pinned to Vitest's version of it).
 */
const GROWN = 1.5 * 2 ** 30;
/** Set to judge a survivor the way a fresh worker would (see the testing guide). */
const freshWorkers = process.env.DATASOURCE_REGISTRY_FRESH_WORKERS === '1';
let vitest: Vitest | undefined;
let unsettled = false;
const timedOut = (error: { message: string }) => error.message.includes('timed out');
/** Notes whether the run now ending may have left work going. */
const runWatch: Reporter = {
  onInit(ctx) {
    vitest = ctx;
  },
  onTestRunStart() {
    unsettled = false;
  },
  onTestCaseResult(testCase) {
    const result = testCase.result();
    if (result.state === 'failed' && result.errors.some(timedOut)) unsettled = true;
  },
  onTestModuleEnd(testModule) {
    if (testModule.errors().length > 0) unsettled = true;
  },
};
const recycleWorkers = Tinypool.prototype.recycleWorkers;
Tinypool.prototype.recycleWorkers = function recycleWhenUnsettled(this: Tinypool, options) {
  const keep =
    !freshWorkers &&
    !unsettled &&
    vitest !== undefined &&
    vitest.state.getUnhandledErrors().length === 0 &&
    process.memoryUsage.rss() < GROWN;
  return keep ? Promise.resolve() : recycleWorkers.call(this, options);
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
