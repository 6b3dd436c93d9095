import type { DataSourceEvent } from '../../src/domain/events.js';
import { countSources } from '../../src/projections/queries.js';
import { applyToModels, createModels, type RegistryModels } from '../../src/registry/models.js';
import { generateLog } from '../events.js';
import { heapAfterGc } from '../measure.js';
import { createMutableFold, foldMutably, liveCount, type MutableFold } from '../mutable-fold.js';
import type { Row } from '../report.js';
import type { BenchContext, Workload } from '../workload.js';

const BATCH = 10_000;

/**
 * Heap bytes one structure keeps per source. The log is made and dropped
 * inside `build`, so what survives the collection is the structure alone,
 * with whatever parts of the events it still points at (configs, metadata).
 */
function retainedPerSource<T>(
  build: () => T,
  live: (built: T) => number,
): { perSource: number; sources: number } {
  const before = heapAfterGc();
  const built = build();
  const after = heapAfterGc();
  const sources = live(built);
  return { perSource: (after - before) / sources, sources };
}

function buildView(sources: number): RegistryModels {
  const { events } = generateLog({ sources, tenants: sources / 100, eventsPerSource: 10 });
  const view = createModels();
  for (let i = 0; i < events.length; i += BATCH) applyToModels(view, events.slice(i, i + BATCH));
  return view;
}

function buildFold(sources: number): MutableFold {
  const { events } = generateLog({ sources, tenants: sources / 100, eventsPerSource: 10 });
  const fold = createMutableFold();
  foldMutably(fold, events as DataSourceEvent[]);
  return fold;
}

async function run(context: BenchContext): Promise<Row[]> {
  const sources = context.quick ? 10_000 : 100_000;
  context.progress(`memory: projections of ${sources.toLocaleString('en-US')} sources`);
  const view = retainedPerSource(
    () => buildView(sources),
    (v) => countSources(v.projections, {}),
  );
  context.progress('memory: the hand-written fold of the same log');
  const fold = retainedPerSource(() => buildFold(sources), liveCount);
  return [
    {
      workload: 'memory',
      measure: `projections, ${view.sources.toLocaleString('en-US')} live sources (10 events each)`,
      value: view.perSource,
      unit: 'B/source',
      baseline: { label: 'hand-written fold', value: fold.perSource },
      target: '≤ 2,048 B/source',
      verdict: view.perSource <= 2048 ? 'met' : 'missed',
    },
  ];
}

export const memoryWorkload: Workload = {
  name: 'memory',
  description: 'Heap bytes per source kept by the projections vs a plain-Map fold',
  run,
};
