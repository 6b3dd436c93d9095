import type { Row } from './report.js';

/** What the runner hands each workload. */
export interface BenchContext {
  /** True with `--quick`: a tenth of the data, fewer runs; for development, not for the record. */
  readonly quick: boolean;
  /** A progress line on stderr, so stdout holds only the results. */
  progress(message: string): void;
}

/**
 * One benchmark, in its own module under `bench/workloads/`. It measures its
 * figures and a baseline beside each, in the same process on the same data,
 * and returns them as rows; it asserts nothing.
 */
export interface Workload {
  /** What `--only` selects it by. */
  readonly name: string;
  readonly description: string;
  run(context: BenchContext): Promise<Row[]>;
}
