import type { DataSourceEvent } from '../../src/domain/events.js';
import { DataSourceRegistry } from '../../src/index.js';
import { countSources } from '../../src/projections/queries.js';
import { applyToModels, createModels, type RegistryModels } from '../../src/registry/models.js';
import { toDomainEvent } from '../../src/registry/read-events.js';
import { generateLog } from '../events.js';
import { median, timeOnce } from '../measure.js';
import { createMutableFold, foldMutably, liveCount, type MutableFold } from '../mutable-fold.js';
import type { Row } from '../report.js';
import { seedMemoryStore } from '../seed.js';
import type { BenchContext, Workload } from '../workload.js';

/** The page size the registry reads a store with when it catches up. */
const BATCH = 10_000;
/** Events whose schema check is timed on its own, to split open() into its parts. */
const CHECKED = 100_000;

function inBatches(events: readonly DataSourceEvent[]): DataSourceEvent[][] {
  const batches: DataSourceEvent[][] = [];
  for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
  return batches;
}

function applyBatches(view: RegistryModels, batches: readonly DataSourceEvent[][]) {
  for (const batch of batches) applyToModels(view, batch);
}

const thousands = (n: number) => n.toLocaleString('en-US');

async function run(context: BenchContext): Promise<Row[]> {
  const sources = context.quick ? 10_000 : 100_000;
  // A projection run takes tens of seconds at full scale: one run there, three in --quick.
  const runs = context.quick ? 3 : 1;
  context.progress(
    `replay: generating ${thousands(sources * 10)} events of ${thousands(sources)} sources`,
  );
  const log = generateLog({ sources, tenants: sources / 100, eventsPerSource: 10 });
  const { events } = log;
  const batches = inBatches(events);
  const label = `${thousands(events.length)} events`;

  context.progress('replay: warming up on a tenth of the log');
  const warm = events.slice(0, events.length / 10);
  foldMutably(createMutableFold(), warm);
  applyBatches(createModels(), inBatches(warm));

  // The fold runs between the measured runs, so a change in the machine's
  // load during the minutes this takes reaches the baseline too.
  const foldTimes: number[] = [];
  let fold: MutableFold = createMutableFold();
  const timeFold = async () => {
    fold = createMutableFold();
    const f = fold;
    foldTimes.push(await timeOnce(() => foldMutably(f, events)));
  };
  context.progress('replay: timing the hand-written fold');
  await timeFold();
  const viewTimes: number[] = [];
  let view: RegistryModels = createModels();
  for (let r = 0; r < runs; r++) {
    context.progress(`replay: timing applyEvents, ${thousands(BATCH)} per call (run ${r + 1})`);
    view = createModels();
    const v = view;
    viewTimes.push(await timeOnce(() => applyBatches(v, batches)));
    await timeFold();
  }
  context.progress('replay: timing applyEvents on the whole log in one call');
  const oneCall = await timeOnce(() => applyToModels(createModels(), events));
  await timeFold();
  // The two folds must agree, or the comparison means nothing.
  const live = log.liveSourceIds.length;
  if (liveCount(fold) !== live || countSources(view.projections, {}) !== live) {
    throw new Error('replay: the hand-written fold and the projections disagree');
  }
  fold = createMutableFold();
  view = createModels();
  const baseline = median(foldTimes);
  const projected = median(viewTimes);

  context.progress('replay: filling a memory store through its append');
  const store = await seedMemoryStore(events);
  context.progress('replay: timing DataSourceRegistry.open (1 run)');
  const open = await timeOnce(async () => {
    const registry = await DataSourceRegistry.open({ store });
    if (registry.count() !== live) throw new Error('replay: open lost sources');
  });
  const sample = store.readAllSync({ limit: CHECKED });
  const check = (await timeOnce(() => sample.map(toDomainEvent))) / sample.length;

  const base = { label: 'hand-written mutable fold', value: baseline };
  return [
    {
      workload: 'replay',
      measure: `applyEvents, ${label} of ${thousands(sources)} sources, ${thousands(BATCH)} per call`,
      value: projected,
      unit: 'ms',
      baseline: base,
      target: '≤ 2× baseline',
      verdict: projected <= 2 * baseline ? 'met' : 'missed',
    },
    {
      workload: 'replay',
      measure: `  the same ${label} in one applyEvents call`,
      value: oneCall,
      unit: 'ms',
      baseline: base,
      verdict: 'info',
    },
    {
      workload: 'replay',
      measure: `DataSourceRegistry.open on a memory store of ${label}`,
      value: open,
      unit: 'ms',
      baseline: base,
      verdict: 'info',
    },
    {
      workload: 'replay',
      measure: `  in it: schema check per event (toDomainEvent, ${thousands(sample.length)} events)`,
      value: check * 1000,
      unit: 'µs/op',
      baseline: { label: 'hand-written fold, per event', value: (baseline * 1000) / events.length },
      verdict: 'info',
    },
  ];
}

export const replayWorkload: Workload = {
  name: 'replay',
  description: 'Replay a log into the projections vs a hand-written mutable fold; open() on it',
  run,
};
