import type { DataSourceCommand } from '../../src/domain/commands.js';
import { decide } from '../../src/domain/decide.js';
import type { DataSourceEvent } from '../../src/domain/events.js';
import { evolve } from '../../src/domain/evolve.js';
import { EMPTY_STREAM, type SourceStream } from '../../src/domain/stream.js';
import type { DataSourceRegistry } from '../../src/index.js';
import { applyToModels, createModels } from '../../src/registry/models.js';
import { CommandMix, type CommandOp, runBounded, runCommand } from '../command-mix.js';
import { generateLog } from '../events.js';
import { median, timeOnce, timeWithCpu } from '../measure.js';
import type { Row } from '../report.js';
import { registryOn } from '../seed.js';
import type { BenchContext, Workload } from '../workload.js';

/** How many commands a caller keeps in flight in the concurrent runs. */
const IN_FLIGHT = 64;

async function sequentially(registry: DataSourceRegistry, ops: readonly CommandOp[]) {
  for (const op of ops) await runCommand(registry, op);
}

/** The command a validated op stands for, as `decide` takes it. */
function commandOf(op: CommandOp): DataSourceCommand {
  switch (op.kind) {
    case 'register':
      return {
        type: 'Register',
        tenantId: op.tenantId,
        name: op.name,
        sourceType: op.sourceType,
        config: op.parsed,
        description: null,
        tags: [],
        metadata: {},
        accessRoles: [],
        ownerId: null,
      };
    case 'activate':
      return { type: 'Activate' };
    case 'recordConnection':
      return { type: 'RecordConnection' };
    case 'addTag':
      return { type: 'AddTag', tag: op.tag };
    case 'recordError':
      return { type: 'RecordError', message: op.message };
    case 'updateConfig':
      return { type: 'UpdateConfig', config: op.parsed };
  }
}

const AT = '2024-06-01T00:00:00.000Z';

/**
 * The baseline: the pure domain alone, on a plain Map of streams. Each op is
 * one decide and one evolve per event, with an envelope made by hand: no
 * input validation, store, lock, projection index or listener.
 */
function domainOnly(streams: Map<string, SourceStream>, ops: readonly CommandOp[], from: number) {
  let position = from;
  for (const op of ops) {
    const sourceId = op.kind === 'register' ? op.baselineId : op.sourceId;
    const before = streams.get(sourceId) ?? EMPTY_STREAM;
    const tenantId = op.kind === 'register' ? op.tenantId : (before.source?.tenantId ?? '');
    let stream = before;
    for (const draft of decide(commandOf(op), before)) {
      position++;
      const event = {
        ...draft,
        eventId: `e${position}`,
        schemaVersion: 1,
        sourceId,
        tenantId,
        streamVersion: stream.version + 1,
        position,
        occurredAt: AT,
        metadata: {},
      } as DataSourceEvent;
      stream = evolve(stream, event);
    }
    streams.set(sourceId, stream);
  }
  return position;
}

/** What the plain-Map floor keeps of a source: only the fields the mix changes. */
interface PlainSource {
  tenantId: string;
  status: string;
  tags: string[];
  config: unknown;
  connectionCount: number;
  errorCount: number;
  lastConnected: string | null;
  lastError: string | null;
  version: number;
}

/**
 * The floor under the baseline: each command as the plain mutation of a Map
 * entry one would write without events, immutability or validation.
 */
function plainMap(sources: Map<string, PlainSource>, ops: readonly CommandOp[]) {
  for (const op of ops) {
    if (op.kind === 'register') {
      sources.set(op.baselineId, {
        tenantId: op.tenantId,
        status: 'pending',
        tags: [],
        config: op.parsed,
        connectionCount: 0,
        errorCount: 0,
        lastConnected: null,
        lastError: null,
        version: 1,
      });
      continue;
    }
    const s = sources.get(op.sourceId);
    if (!s) throw new Error(`commands: no source ${op.sourceId}`);
    s.version++;
    switch (op.kind) {
      case 'activate':
        s.status = 'active';
        break;
      case 'recordConnection':
        s.connectionCount++;
        s.lastConnected = AT;
        break;
      case 'addTag':
        s.tags.push(op.tag);
        break;
      case 'recordError':
        s.errorCount++;
        s.lastError = op.message;
        s.status = 'error';
        break;
      case 'updateConfig':
        s.config = op.parsed;
        s.status = 'configuring';
        break;
    }
  }
}

interface Figures {
  sequential: number;
  /** The sequential commands per second of the process's CPU time (user and system, all its threads). */
  sequentialCpu: number;
  concurrent: number;
  baseline: number;
  plain: number;
}

/** Commands per second at one registry size, each mode the median of `runs`. */
async function atSize(context: BenchContext, sources: number, perRun: number, runs: number) {
  context.progress(`commands: preparing ${sources.toLocaleString('en-US')} existing sources`);
  const log = generateLog({ sources, tenants: Math.max(1, sources / 100), eventsPerSource: 1 });
  const registry = await registryOn(log.events);
  const mix = new CommandMix(log.liveSourceIds, log.tenantIds);
  const view = createModels();
  applyToModels(view, log.events);
  const streams = new Map(view.state.streams);
  const baselineMix = new CommandMix(log.liveSourceIds, log.tenantIds);
  const plain = new Map<string, PlainSource>();
  for (const [id, stream] of view.state.streams) {
    const source = stream.source;
    if (source) plain.set(id, { ...source, tags: [...source.tags] });
  }
  const plainMix = new CommandMix(log.liveSourceIds, log.tenantIds);
  let position = 0;

  // Warm-up, untimed: the registry's path only reaches full speed after tens
  // of thousands of commands, as V8 optimizes its many small async functions.
  context.progress(`commands: warming up`);
  await sequentially(registry, mix.next(perRun));
  await runBounded(registry, mix.next(perRun), IN_FLIGHT);
  position = domainOnly(streams, baselineMix.next(perRun), position);
  plainMap(plain, plainMix.next(perRun));

  const samples: Record<keyof Figures, number[]> = {
    sequential: [],
    sequentialCpu: [],
    concurrent: [],
    baseline: [],
    plain: [],
  };
  const rate = (ms: number) => (perRun * 1000) / ms;
  context.progress(`commands: timing ${runs} × ${perRun} commands per mode`);
  for (let r = 0; r < runs; r++) {
    const before = registry.position;
    const seq = mix.next(perRun);
    const timed = await timeWithCpu(() => sequentially(registry, seq));
    samples.sequential.push(rate(timed.wallMs));
    samples.sequentialCpu.push(rate(timed.cpuMs));
    const con = mix.next(perRun);
    samples.concurrent.push(rate(await timeOnce(() => runBounded(registry, con, IN_FLIGHT))));
    const base = baselineMix.next(perRun);
    samples.baseline.push(
      rate(await timeOnce(() => (position = domainOnly(streams, base, position)))),
    );
    const floor = plainMix.next(perRun);
    samples.plain.push(rate(await timeOnce(() => plainMap(plain, floor))));
    // Each command must have appended one event, or no-ops would flatter the figure.
    if (registry.position - before !== 2 * perRun) {
      throw new Error(
        `commands: ${2 * perRun} commands appended ${registry.position - before} events`,
      );
    }
  }
  await registry.close();
  return {
    sequential: median(samples.sequential),
    sequentialCpu: median(samples.sequentialCpu),
    concurrent: median(samples.concurrent),
    baseline: median(samples.baseline),
    plain: median(samples.plain),
  };
}

async function run(context: BenchContext): Promise<Row[]> {
  const sizes = context.quick ? [1_000, 10_000] : [10_000, 100_000];
  const perRun = context.quick ? 5_000 : 20_000;
  const rows: Row[] = [];
  const results: Figures[] = [];
  for (const sources of sizes) {
    const figures = await atSize(context, sources, perRun, 3);
    results.push(figures);
    const size = `${sources.toLocaleString('en-US')} existing sources`;
    const baseline = { label: 'decide + evolve on a Map', value: figures.baseline };
    for (const mode of ['sequential', 'concurrent'] as const) {
      rows.push({
        workload: 'commands',
        measure: `${mode === 'sequential' ? 'sequential' : `${IN_FLIGHT} in flight`}, ${size}`,
        value: figures[mode],
        unit: 'ops/s',
        baseline,
        target: '≥ 100,000 ops/s',
        verdict: figures[mode] >= 100_000 ? 'met' : 'missed',
      });
    }
    rows.push({
      workload: 'commands',
      measure: `  sequential per second of the process's CPU time, ${size}`,
      value: figures.sequentialCpu,
      unit: 'ops/s',
      baseline: { label: 'per second of wall time', value: figures.sequential },
      verdict: 'info',
    });
    rows.push({
      workload: 'commands',
      measure: `  the baseline itself: decide + evolve, ${size}`,
      value: figures.baseline,
      unit: 'ops/s',
      baseline: { label: 'plain Map update', value: figures.plain },
      verdict: 'info',
    });
  }
  const [small, large] = results;
  if (small && large) {
    const growth = small.sequential / large.sequential;
    rows.push({
      workload: 'commands',
      measure: `sequential at ${sizes[1]?.toLocaleString('en-US')} vs ${sizes[0]?.toLocaleString('en-US')} sources (flat = 1)`,
      value: large.sequential,
      unit: 'ops/s',
      baseline: { label: `at ${sizes[0]?.toLocaleString('en-US')}`, value: small.sequential },
      target: 'flat (≤ 1.5×)',
      verdict: growth <= 1.5 ? 'met' : 'missed',
    });
  }
  return rows;
}

export const commandsWorkload: Workload = {
  name: 'commands',
  description:
    'In-memory commands/s through DataSourceRegistry, sequential and 64 in flight, at two sizes',
  run,
};
