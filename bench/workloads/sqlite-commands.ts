import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DataSourceRegistry } from '../../src/index.js';
import { nameClaim } from '../../src/registry/name-claims.js';
import type { EventRow as SqlEventRow } from '../../src/store/event-row.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { CommandMix, runBounded } from '../command-mix.js';
import { median, timeOnce } from '../measure.js';
import type { Row } from '../report.js';
import type { BenchContext, Workload } from '../workload.js';

/** How many commands a caller keeps in flight in the concurrent runs, as in the in-memory workload. */
export const IN_FLIGHT = 64;

type Sync = 'normal' | 'full';

/** `count` sources registered through the registry, in `tenants` tenants; their ids. */
export async function seedSources(
  registry: DataSourceRegistry,
  count: number,
  tenants: readonly string[],
): Promise<string[]> {
  const ids: string[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const source = await registry.register({
        tenantId: tenants[i % tenants.length] as string,
        name: `seed-${i}`,
        sourceType: 'database',
        config: { host: `db-${i}.internal.example`, port: 5432, username: 'svc' },
      });
      ids[i] = source.sourceId;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return ids;
}

/** An `events` row as the store wrote it, read back to be written again by the baseline. */
type EventRow = Omit<SqlEventRow<number>, 'position'>;

type EventParams = [string, string, number, string, string, number, string, string, string];

/** What the baseline writes for one command, prepared before the clock starts. */
interface RawCommand {
  streamId: string;
  version: number;
  params: EventParams;
  claim: { scope: string; key: string; owner: string } | null;
}

function rawCommand(row: EventRow): RawCommand {
  const params: EventParams = [
    row.event_id,
    row.type,
    row.schema_version,
    row.source_id,
    row.tenant_id,
    row.stream_version,
    row.occurred_at,
    row.data,
    row.metadata,
  ];
  const command = { streamId: row.source_id, version: row.stream_version, params, claim: null };
  if (row.type !== 'DataSourceRegistered') return command;
  const { name } = JSON.parse(row.data) as { name: string };
  return { ...command, claim: nameClaim(row.tenant_id, name, row.source_id) };
}

/**
 * The baseline: the same rows written by hand with better-sqlite3, one
 * immediate transaction per command as the store does, but nothing else:
 * the version checked by the UPDATE itself, no JSON, validation or projection.
 */
function rawWriter(db: Database.Database) {
  const bump = db.prepare<[number, string, number]>(
    'UPDATE streams SET version = ? WHERE stream_id = ? AND version = ?',
  );
  const create = db.prepare<[string, number]>(
    'INSERT INTO streams (stream_id, version) VALUES (?, ?)',
  );
  const insert = db.prepare<EventParams>(
    `INSERT INTO events (event_id, type, schema_version, source_id, tenant_id,
       stream_version, occurred_at, data, metadata)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const claim = db.prepare<[string, string, string]>(
    'INSERT INTO claims (scope, key, owner) VALUES (?, ?, ?)',
  );
  const one = db.transaction((command: RawCommand) => {
    const { streamId, version } = command;
    if (version === 1) create.run(streamId, 1);
    else if (bump.run(version, streamId, version - 1).changes !== 1) {
      throw new Error(`sqlite-commands: baseline found ${streamId} at another version`);
    }
    if (command.claim) claim.run(command.claim.scope, command.claim.key, command.claim.owner);
    insert.run(...command.params);
  });
  return (commands: readonly RawCommand[]) => {
    for (const command of commands) one.immediate(command);
  };
}

interface ModeFigures {
  sequential: number;
  concurrent: number;
  baseline: number;
}

/**
 * Commands/s through a registry on a SQLite file, and the raw baseline
 * writing the very rows it wrote into a second file that mirrors the first.
 */
async function measureMode(
  context: BenchContext,
  dir: string,
  sync: Sync,
  perRun: number,
  runs: number,
): Promise<ModeFigures> {
  const filename = join(dir, `registry-${sync}.db`);
  const baselineFile = join(dir, `baseline-${sync}.db`);
  const registry = await DataSourceRegistry.open({
    store: createSqliteEventStore({ filename, synchronous: sync }),
    encryptionKey: randomBytes(32),
  });
  // The store creates its tables in the baseline's file, so both have the same schema and indexes.
  await createSqliteEventStore({ filename: baselineFile }).close();
  const reader = new Database(filename, { readonly: true });
  const raw = new Database(baselineFile);
  try {
    const sources = context.quick ? 1_000 : 5_000;
    context.progress(`sqlite-commands (${sync}): registering ${sources} sources`);
    const tenants = Array.from({ length: sources / 100 }, (_, t) => `tenant-${t}`);
    const ids = await seedSources(registry, sources, tenants);
    const mix = new CommandMix(ids, tenants);
    context.progress(`sqlite-commands (${sync}): warming up`);
    await runBounded(registry, mix.next(perRun), 1);
    await runBounded(registry, mix.next(perRun), IN_FLIGHT);

    raw.pragma('journal_mode = WAL');
    raw.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
    // The baseline starts from the same tables: same sizes, same stream versions, same claims.
    raw.prepare('ATTACH DATABASE ? AS src').run(filename);
    raw.transaction(() => {
      for (const table of ['events', 'streams', 'claims']) {
        raw.exec(`INSERT INTO main.${table} SELECT * FROM src.${table}`);
      }
    })();
    raw.exec('DETACH DATABASE src');
    const writeRaw = rawWriter(raw);
    const rowsAfter = reader.prepare<[number], EventRow>(
      'SELECT * FROM events WHERE position > ? ORDER BY position',
    );

    const samples: Record<keyof ModeFigures, number[]> = {
      sequential: [],
      concurrent: [],
      baseline: [],
    };
    const rate = (ms: number) => (perRun * 1000) / ms;
    context.progress(`sqlite-commands (${sync}): timing ${runs} × ${perRun} commands per mode`);
    for (let r = 0; r < runs; r++) {
      for (const mode of ['sequential', 'concurrent'] as const) {
        const before = registry.position;
        const ops = mix.next(perRun);
        const inFlight = mode === 'sequential' ? 1 : IN_FLIGHT;
        samples[mode].push(rate(await timeOnce(() => runBounded(registry, ops, inFlight))));
        // One event per command, or no-ops would flatter the figure.
        const written = rowsAfter.all(before).map(rawCommand);
        if (written.length !== perRun || registry.position - before !== perRun) {
          throw new Error(`sqlite-commands: ${perRun} commands wrote ${written.length} events`);
        }
        samples.baseline.push(rate(await timeOnce(() => writeRaw(written))));
      }
    }
    return {
      sequential: median(samples.sequential),
      concurrent: median(samples.concurrent),
      baseline: median(samples.baseline),
    };
  } finally {
    reader.close();
    raw.close();
    await registry.close();
  }
}

function rowsOf(sync: Sync, figures: ModeFigures): Row[] {
  const baseline = {
    label: 'raw better-sqlite3, same rows, 1 tx each',
    value: figures.baseline,
  };
  const graded = sync === 'normal';
  return (['sequential', 'concurrent'] as const).map((mode) => ({
    workload: 'sqlite-commands',
    measure: `${mode === 'sequential' ? 'sequential' : `${IN_FLIGHT} in flight`}, synchronous=${sync}`,
    value: figures[mode],
    unit: 'ops/s',
    baseline,
    ...(graded ? { target: '≥ 5,000 ops/s' } : {}),
    verdict: graded ? (figures[mode] >= 5_000 ? 'met' : 'missed') : 'info',
  }));
}

async function run(context: BenchContext): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'datasource-registry-bench-'));
  try {
    const normal = await measureMode(context, dir, 'normal', context.quick ? 2_000 : 5_000, 5);
    // An fsync per commit: fewer commands, the figure is for information.
    const full = await measureMode(context, dir, 'full', context.quick ? 300 : 1_000, 3);
    return [...rowsOf('normal', normal), ...rowsOf('full', full)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const sqliteCommandsWorkload: Workload = {
  name: 'sqlite-commands',
  description:
    'Commands/s on a SQLite file, one per transaction, vs raw better-sqlite3 writes of the same rows',
  run,
};
