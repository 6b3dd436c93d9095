import { randomBytes } from 'node:crypto';
import { CommandHandler } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { DataSourceRegistry } from '../../src/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { createPostgresEventStore } from '../../src/store/postgres/store.js';
import { processCpuMs } from '../machine.js';
import { median, timeWithCpu } from '../measure.js';
import type { Row } from '../report.js';
import type { BenchContext, Workload } from '../workload.js';

const WRITERS = 8;
const ENV = 'DATASOURCE_REGISTRY_PG_URL';

/** What each source goes through: the workload, ten commands a source. */
const LIFECYCLE = [
  'register',
  'updateConfig',
  'activate',
  'recordConnection',
  'recordConnection',
  'recordConnection',
  'recordConnection',
  'recordConnection',
  'recordError',
  'activate',
] as const;
type Step = (typeof LIFECYCLE)[number];

/** The commands of one writer: its sources one after another, each through the lifecycle. */
function commandsOf(writer: number, sources: number, round: number): { key: string; step: Step }[] {
  const list: { key: string; step: Step }[] = [];
  for (let s = 0; s < sources; s++) {
    for (const step of LIFECYCLE) list.push({ key: `r${round}-w${writer}-s${s}`, step });
  }
  return list;
}

// A small decider with the same events: what Emmett's users write for such a stream.
type SourceEvent =
  | { type: 'DataSourceRegistered'; data: { tenantId: string; name: string; config: object } }
  | { type: 'DataSourceConfigUpdated'; data: { config: object } }
  | { type: 'DataSourceActivated'; data: { at: string } }
  | { type: 'DataSourceConnectionRecorded'; data: { at: string } }
  | { type: 'DataSourceErrorRecorded'; data: { message: string; at: string } };

interface SourceState {
  status: 'none' | 'pending' | 'active' | 'error';
  connections: number;
}

const evolve = (state: SourceState, event: SourceEvent): SourceState => {
  switch (event.type) {
    case 'DataSourceRegistered':
      return { status: 'pending', connections: 0 };
    case 'DataSourceActivated':
      return { ...state, status: 'active' };
    case 'DataSourceConnectionRecorded':
      return { ...state, connections: state.connections + 1 };
    case 'DataSourceErrorRecorded':
      return { ...state, status: 'error' };
    default:
      return state;
  }
};

const handle = CommandHandler<SourceState, SourceEvent>({
  evolve,
  initialState: () => ({ status: 'none', connections: 0 }),
});

function decide(step: Step, key: string, state: SourceState): SourceEvent[] {
  const at = new Date().toISOString();
  switch (step) {
    case 'register':
      if (state.status !== 'none') throw new Error(`peers: ${key} exists`);
      return [
        {
          type: 'DataSourceRegistered',
          data: {
            tenantId: 't',
            name: key,
            config: { host: `${key}.internal.example`, port: 5432 },
          },
        },
      ];
    case 'updateConfig':
      return [{ type: 'DataSourceConfigUpdated', data: { config: { host: 'db', port: 6432 } } }];
    case 'activate':
      return state.status === 'active' ? [] : [{ type: 'DataSourceActivated', data: { at } }];
    case 'recordConnection':
      return [{ type: 'DataSourceConnectionRecorded', data: { at } }];
    case 'recordError':
      return [{ type: 'DataSourceErrorRecorded', data: { message: 'timeout after 30 s', at } }];
  }
}

/** The same step through the registry's public API. */
async function runStep(
  registry: DataSourceRegistry,
  ids: Map<string, string>,
  key: string,
  step: Step,
): Promise<void> {
  if (step === 'register') {
    const source = await registry.register({
      tenantId: 't',
      name: key,
      sourceType: 'database',
      config: { host: `${key}.internal.example`, port: 5432, username: 'svc' },
    });
    ids.set(key, source.sourceId);
    return;
  }
  const id = ids.get(key) as string;
  if (step === 'updateConfig') await registry.updateConfig(id, { host: 'db', port: 6432 });
  else if (step === 'activate') await registry.activate(id);
  else if (step === 'recordConnection') await registry.recordConnection(id);
  else await registry.recordError(id, 'timeout after 30 s');
}

/** What one run of the writers came to: its rate, and the CPU time per command on each side. */
interface RunFigures {
  rate: number;
  /** This process's CPU time per command, in microseconds. */
  nodeCpu: number;
  /** The CPU time per command of this machine's PostgreSQL processes, in microseconds (NaN when not seen). */
  serverCpu: number;
}

/** Times `writers` running together, `commands` commands in all. */
async function timeWriters(commands: number, writers: () => Promise<unknown>): Promise<RunFigures> {
  const server = processCpuMs('postgres');
  const { wallMs, cpuMs } = await timeWithCpu(writers);
  const serverMs = processCpuMs('postgres') - server;
  return {
    rate: (commands * 1000) / wallMs,
    nodeCpu: (cpuMs * 1000) / commands,
    serverCpu: (serverMs * 1000) / commands,
  };
}

/** The median of each figure over the runs. */
function medians(runs: readonly RunFigures[]): RunFigures {
  return {
    rate: median(runs.map((run) => run.rate)),
    nodeCpu: median(runs.map((run) => run.nodeCpu)),
    serverCpu: median(runs.map((run) => run.serverCpu)),
  };
}

/** The connection string with its search_path set to `schema`, for a store that takes no schema. */
function inSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

async function measureEmmett(context: BenchContext, url: string, perWriter: number, runs: number) {
  const schema = `bench_emmett_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  const connectionString = inSchema(url, schema);
  const stores = Array.from({ length: WRITERS }, () =>
    getPostgreSQLEventStore(connectionString, { schema: { autoMigration: 'CreateOrUpdate' } }),
  );
  try {
    // The first append creates Emmett's tables; the others then find them.
    for (const store of stores) {
      await handle(store, `warm-${randomBytes(4).toString('hex')}`, (s) =>
        decide('register', 'warm', s),
      );
    }
    const samples: RunFigures[] = [];
    for (let r = 0; r < runs; r++) {
      context.progress(`peers: Emmett, ${WRITERS} writers, run ${r + 1} of ${runs}`);
      const lists = stores.map((_, w) => commandsOf(w, perWriter / LIFECYCLE.length, r));
      const figures = await timeWriters(perWriter * WRITERS, () =>
        Promise.all(
          stores.map(async (store, w) => {
            for (const { key, step } of lists[w] ?? []) {
              await handle(store, key, (state) => decide(step, key, state));
            }
          }),
        ),
      );
      samples.push(figures);
    }
    return medians(samples);
  } finally {
    for (const store of stores) await store.close().catch(() => {});
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await admin.end();
  }
}

async function measureRegistry(
  context: BenchContext,
  url: string,
  perWriter: number,
  runs: number,
) {
  const schema = `bench_peers_${randomBytes(4).toString('hex')}`;
  const key = randomBytes(32);
  const registries: DataSourceRegistry[] = [];
  try {
    for (let w = 0; w < WRITERS; w++) {
      const store = createPostgresEventStore({ connectionString: url, schema });
      registries.push(await DataSourceRegistry.open({ store, encryptionKey: key }));
    }
    const samples: RunFigures[] = [];
    for (let r = 0; r < runs; r++) {
      context.progress(`peers: this registry, ${WRITERS} writers, run ${r + 1} of ${runs}`);
      const lists = registries.map((_, w) => commandsOf(w, perWriter / LIFECYCLE.length, r));
      const figures = await timeWriters(perWriter * WRITERS, () =>
        Promise.all(
          registries.map(async (registry, w) => {
            const ids = new Map<string, string>();
            for (const { key: name, step } of lists[w] ?? []) {
              await runStep(registry, ids, name, step);
            }
          }),
        ),
      );
      samples.push(figures);
    }
    return medians(samples);
  } finally {
    for (const registry of registries) await registry.close().catch(() => {});
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await admin.end();
  }
}

async function run(context: BenchContext): Promise<Row[]> {
  const url = process.env[ENV];
  if (!url) {
    return [
      {
        workload: 'peers',
        measure: `skipped: ${ENV} is not set`,
        value: Number.NaN,
        unit: 'ops/s',
        verdict: 'info',
      },
    ];
  }
  const perWriter = context.quick ? 100 : 500;
  const runs = context.quick ? 3 : 5;
  // Taken in turns, each three times, so a change in the machine's load falls on both.
  const ours: RunFigures[] = [];
  const theirs: RunFigures[] = [];
  for (let turn = 0; turn < 3; turn++) {
    ours.push(await measureRegistry(context, url, perWriter, runs));
    theirs.push(await measureEmmett(context, url, perWriter, runs));
  }
  const { rate: registry, ...registryCpu } = medians(ours);
  const { rate: emmett, ...emmettCpu } = medians(theirs);
  const peer = `Emmett 0.42, the same ${WRITERS} writers`;
  return [
    {
      workload: 'peers',
      measure: `PostgreSQL, ${WRITERS} writers (own instance and pool each), register, update config, activate, 5 connections, error, activate`,
      value: registry,
      unit: 'ops/s',
      baseline: {
        label: `Emmett 0.42 PostgreSQL store, CommandHandler, ${WRITERS} writers`,
        value: emmett,
      },
      target: '≥ 2× Emmett and ≥ 2,000 ops/s',
      verdict: registry >= 2 * emmett && registry >= 2_000 ? 'met' : 'missed',
    },
    {
      workload: 'peers',
      measure: `the same: this process's CPU time per command (${WRITERS} registries)`,
      value: registryCpu.nodeCpu,
      unit: 'µs/op',
      baseline: { label: peer, value: emmettCpu.nodeCpu },
      verdict: 'info',
    },
    {
      workload: 'peers',
      measure: "the same: PostgreSQL's CPU time per command (its processes on this machine)",
      value: registryCpu.serverCpu,
      unit: 'µs/op',
      baseline: { label: peer, value: emmettCpu.serverCpu },
      verdict: 'info',
    },
  ];
}

export const peersWorkload: Workload = {
  name: 'peers',
  description: `Commands/s on PostgreSQL with ${WRITERS} writers: this registry beside Emmett's PostgreSQL event store`,
  run,
};
