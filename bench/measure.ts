import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * The garbage collector, callable. `--expose-gc` is not allowed in
 * NODE_OPTIONS on every Node version, so when the flag is missing it is set
 * at run time and the function taken from a fresh context, where V8 installs
 * it once the flag is on.
 */
function findGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('cannot reach the garbage collector');
  return gc as () => void;
}

const gcOnce = findGc();

/** A full collection, twice: the first one may leave objects that only die in the second. */
export function collectGarbage(): void {
  gcOnce();
  gcOnce();
}

/** Bytes in use on the V8 heap after a full collection. */
export function heapAfterGc(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Milliseconds one call takes; a collection runs first so garbage from before is not billed here. */
export async function timeOnce(run: () => unknown): Promise<number> {
  collectGarbage();
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/**
 * Milliseconds of wall time and of the process's CPU time one call takes,
 * after a collection as `timeOnce`. On a shared machine the wall time counts
 * the other work too; the CPU time counts only this process's.
 */
export async function timeWithCpu(run: () => unknown): Promise<{ wallMs: number; cpuMs: number }> {
  collectGarbage();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

/**
 * Runs `prepare` (untimed) then `run` (timed), `runs` times, and returns the
 * median in milliseconds. What `prepare` returns is handed to `run`, so a
 * fresh accumulator or registry is not part of the figure.
 */
export async function medianOf<T>(
  runs: number,
  prepare: () => T | Promise<T>,
  run: (prepared: T) => unknown,
): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const prepared = await prepare();
    samples.push(await timeOnce(() => run(prepared)));
  }
  return median(samples);
}

/**
 * Median microseconds per call of a cheap synchronous query: calls are timed
 * in blocks long enough for the clock's resolution not to matter.
 */
export function microsPerCall(calls: number, blocks: number, query: () => unknown): number {
  const samples: number[] = [];
  let sink = 0;
  for (let b = 0; b < blocks; b++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) if (query()) sink++;
    samples.push(((performance.now() - start) * 1000) / calls);
  }
  // Read the sink so the calls cannot be dropped as dead code.
  if (sink < 0) throw new Error('unreachable');
  return median(samples);
}
