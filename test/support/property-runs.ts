/**
 * How many random cases a property tries. A mutation run sets
 * DATASOURCE_REGISTRY_QUICK_TESTS=1: it runs the properties once for each
 * mutant, and a mutant a property catches at all it nearly always catches
 * within the first few cases, so there each property tries a tenth of its
 * cases (at least five).
 */
export const quickTests = process.env.DATASOURCE_REGISTRY_QUICK_TESTS === '1';

/** `runs` in a full run, a tenth of it (at least five) in a quick one. */
export function propertyRuns(runs: number): number {
  return quickTests ? Math.max(5, Math.ceil(runs / 10)) : runs;
}
