import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DataSourceRegistry } from '../../src/index.js';
import { nameClaim } from '../../src/registry/name-claims.js';
import type { EventRow as SqlEventRow } from '../../src/store/event-row.js';
import type { EventStore } from '../../src/store/event-store.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { createPostgresEventStore } from '../../src/store/postgres/store.js';
import { CommandMix, runBounded } from '../command-mix.js';
import { median, timeOnce } from '../measure.js';
import type { Row } from '../report.js';
import type { BenchContext, Workload } from '../workload.js';
import { seedSources } from './sqlite-commands.js';

const WRITERS = 8;
const ENV = 'DATASOURCE_REGISTRY_PG_URL';

/** The event ids a writer's appends were acknowledged with, in order, and their positions. */
interface Acks {
  eventIds: string[];
  positions: number[];
}

/** The store, counting what its appends acknowledged: the check against the log at the end. */
function counted(store: EventStore, acks: Acks): EventStore {
  return {
    kind: store.kind,
    durable: store.durable,
    async append(request) {
      const stored = await store.append(request);
      for (const event of stored) {
        acks.eventIds.push(event.eventId);
        acks.positions.push(event.position);
      }
      return stored;
    },
    readAll: (options) => store.readAll(options),
    readStream: (streamId) => store.readStream(streamId),
    head: () => store.head(),
    subscribe: (listener) => store.subscribe(listener),
    close: () => store.close(),
  };
}

/** One registry instance with its own store and pool, and what it was told was written. */
interface Writer {
  registry: DataSourceRegistry;
  acks: Acks;
  mix: CommandMix;
}

type RawParams = (string | number | null)[];

/** An `events` row as the registry wrote it, with data and metadata as the JSON text stored. */
type EventRow = Omit<SqlEventRow<number>, 'position'>;

/**
 * The baseline's one statement per command, its own transaction: the stream
 * version moved only from the expected one, the name claimed on a
 * registration, the event inserted only when the version matched. One round
 * trip, as the store's append function; no advisory lock, JSON or projection.
 */
function rawInsertSql(s: string): string {
  return `WITH s AS (
    INSERT INTO ${s}.streams AS t (stream_id, version) VALUES ($1, $2)
      ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version WHERE t.version = $2 - 1
      RETURNING 1
  ), c AS (
    INSERT INTO ${s}.claims (scope, key, owner) SELECT $3, $4, $1 WHERE $3::text IS NOT NULL
  )
  INSERT INTO ${s}.events (event_id, type, schema_version, source_id, tenant_id,
                           stream_version, occurred_at, data, metadata)
  SELECT $5, $6, $7, $1, $8, $2, $9, $10::json, $11::json FROM s`;
}

function rawParams(row: EventRow): RawParams {
  const claim =
    row.type === 'DataSourceRegistered'
      ? nameClaim(row.tenant_id, (JSON.parse(row.data) as { name: string }).name, row.source_id)
      : null;
  return [
    row.source_id,
    row.stream_version,
    claim?.scope ?? null,
    claim?.key ?? null,
    row.event_id,
    row.type,
    row.schema_version,
    row.tenant_id,
    row.occurred_at,
    row.data,
    row.metadata,
  ];
}

/** The registries' schema and the baseline's mirror of it: copying, raw writes, the final check. */
class Bench {
  readonly #admin: pg.Pool;
  readonly #s: string;
  readonly #b: string;
  /** The last position of the registries' log the baseline's tables mirror. */
  #mirrored = 0;

  constructor(
    admin: pg.Pool,
    readonly schema: string,
    readonly baselineSchema: string,
  ) {
    this.#admin = admin;
    this.#s = quoteIdentifier(schema);
    this.#b = quoteIdentifier(baselineSchema);
  }

  /**
   * Copies what the registries wrote since the last baseline run (seeding,
   * warm-up) into the baseline's tables, untimed: the baseline then starts
   * from the same sizes, stream versions and claims.
   */
  async mirror(): Promise<void> {
    const [s, b] = [this.#s, this.#b];
    const columns = `event_id, type, schema_version, source_id, tenant_id, stream_version,
      occurred_at, data, metadata`;
    await this.#admin.query(
      `INSERT INTO ${b}.events (${columns}) SELECT ${columns} FROM ${s}.events
        WHERE position > $1 ORDER BY position`,
      [this.#mirrored],
    );
    await this.#admin.query(`INSERT INTO ${b}.streams SELECT * FROM ${s}.streams
      ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version`);
    await this.#admin.query(`INSERT INTO ${b}.claims SELECT * FROM ${s}.claims
      ON CONFLICT (scope, key) DO UPDATE SET owner = excluded.owner`);
    this.#mirrored = await this.head();
  }

  async head(): Promise<number> {
    const { rows } = await this.#admin.query<{ head: string }>(
      `SELECT coalesce(max(position), 0) AS head FROM ${this.#s}.events`,
    );
    return Number(rows[0]?.head ?? 0);
  }

  /** The rows of these event ids, in the order given, with their baseline parameters. */
  async rawCommands(eventIds: readonly string[]): Promise<RawParams[]> {
    const { rows } = await this.#admin.query<EventRow>(
      `SELECT event_id, type, schema_version, source_id, tenant_id, stream_version, occurred_at,
              data::text AS data, metadata::text AS metadata
         FROM ${this.#s}.events WHERE event_id = ANY($1)`,
      [eventIds],
    );
    const byId = new Map(rows.map((row) => [row.event_id, row]));
    return eventIds.map((id) => {
      const row = byId.get(id);
      if (!row) throw new Error(`postgres-commands: acknowledged event ${id} is not in the log`);
      return rawParams(row);
    });
  }

  /** Each client writes its list one command per transaction, all clients at once; then the mirror moves on. */
  async writeRaw(clients: readonly pg.Client[], lists: readonly RawParams[][]): Promise<void> {
    const text = rawInsertSql(this.#b);
    await Promise.all(
      lists.map(async (list, i) => {
        const client = clients[i] as pg.Client;
        for (const params of list) {
          const { rowCount } = await client.query({ name: 'raw-append', text, values: params });
          if (rowCount !== 1) throw new Error('postgres-commands: baseline found another version');
        }
      }),
    );
  }

  markMirrored(head: number): void {
    this.#mirrored = head;
  }

  /** Whether the log holds exactly the acknowledged events, each once, at distinct positions. */
  async check(acknowledged: readonly number[]): Promise<{ ok: boolean; text: string }> {
    const { rows } = await this.#admin.query<{ position: string }>(
      `SELECT position FROM ${this.#s}.events ORDER BY position`,
    );
    const logged = rows.map((row) => Number(row.position));
    const acked = [...acknowledged].sort((a, b) => a - b);
    const unique = new Set(logged).size === logged.length;
    const same = acked.length === logged.length && acked.every((p, i) => p === logged[i]);
    const n = (x: number) => x.toLocaleString('en-US');
    return {
      ok: unique && same,
      text: `log: ${n(logged.length)} events, ${n(acked.length)} acknowledged, ${unique ? 'positions unique' : 'DUPLICATE positions'}${same ? '' : ', MISMATCH'}`,
    };
  }
}

interface Figures {
  registry: number;
  baseline: number;
}

/**
 * Commands/s of `writers` registries writing at once, each one command at a
 * time on its own sources, then the same rows written raw by as many clients.
 */
async function measure(
  context: BenchContext,
  bench: Bench,
  writers: readonly Writer[],
  clients: readonly pg.Client[],
  perRun: number,
  runs: number,
): Promise<Figures> {
  const each = Math.floor(perRun / writers.length);
  const total = each * writers.length;
  const rate = (ms: number) => (total * 1000) / ms;
  const samples: Figures[] = [];
  for (let r = 0; r < runs; r++) {
    context.progress(`postgres-commands: ${writers.length} writer(s), run ${r + 1} of ${runs}`);
    await bench.mirror();
    const from = writers.map((w) => w.acks.eventIds.length);
    const ops = writers.map((w) => w.mix.next(each));
    const registryMs = await timeOnce(() =>
      Promise.all(writers.map((w, i) => runBounded(w.registry, ops[i] ?? [], 1))),
    );
    const head = await bench.head();
    const lists = await Promise.all(
      writers.map((w, i) => bench.rawCommands(w.acks.eventIds.slice(from[i]))),
    );
    // One event per command, or no-ops would flatter the figure.
    const written = lists.reduce((sum, list) => sum + list.length, 0);
    if (written !== total) throw new Error(`postgres-commands: ${total} commands wrote ${written}`);
    const baselineMs = await timeOnce(() => bench.writeRaw(clients, lists));
    bench.markMirrored(head);
    samples.push({ registry: rate(registryMs), baseline: rate(baselineMs) });
  }
  return {
    registry: median(samples.map((s) => s.registry)),
    baseline: median(samples.map((s) => s.baseline)),
  };
}

/** `count` tenant ids of their own, so writers never claim each other's names. */
const tenantsOf = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, t) => `${prefix}-t${t}`);

async function runOn(context: BenchContext, url: string, bench: Bench): Promise<Row[]> {
  const key = randomBytes(32);
  const acks: Acks[] = [];
  const open = async (prefix: string, sources: number, tenants: number) => {
    const mine: Acks = { eventIds: [], positions: [] };
    acks.push(mine);
    const store = createPostgresEventStore({ connectionString: url, schema: bench.schema });
    const registry = await DataSourceRegistry.open({
      store: counted(store, mine),
      encryptionKey: key,
    });
    const tenantIds = tenantsOf(prefix, tenants);
    const ids = await seedSources(registry, sources, tenantIds);
    return { registry, acks: mine, mix: new CommandMix(ids, tenantIds) };
  };
  const clients = Array.from({ length: WRITERS }, () => new pg.Client({ connectionString: url }));
  await Promise.all(clients.map((c) => c.connect()));
  const writers: Writer[] = [];
  try {
    const perRun = context.quick ? 800 : 4_000;
    const runs = context.quick ? 3 : 5;
    context.progress('postgres-commands: 1 writer, registering sources and warming up');
    const solo = await open('solo', context.quick ? 400 : 1_000, 10);
    writers.push(solo);
    await runBounded(solo.registry, solo.mix.next(perRun / 2), 1);
    const one = await measure(context, bench, [solo], clients.slice(0, 1), perRun, runs);
    // Closed, so it does not follow the eight writers' appends on the same two cores.
    await solo.registry.close();
    writers.length = 0;

    context.progress(`postgres-commands: ${WRITERS} writers, registering sources and warming up`);
    for (let w = 0; w < WRITERS; w++)
      writers.push(await open(`w${w}`, context.quick ? 100 : 250, 3));
    await Promise.all(writers.map((w) => runBounded(w.registry, w.mix.next(perRun / WRITERS), 1)));
    const eight = await measure(context, bench, writers, clients, perRun, runs);
    for (const w of writers) await w.registry.close();
    writers.length = 0;

    const { ok, text } = await bench.check(acks.flatMap((a) => a.positions));
    const met = ok && eight.registry >= 2_000;
    const baseline = (n: number, value: number) => ({
      label: `raw pg, same rows, 1 tx each, ${n} client${n > 1 ? 's' : ''}`,
      value,
    });
    return [
      {
        workload: 'postgres-commands',
        measure: '1 writer, sequential',
        value: one.registry,
        unit: 'ops/s',
        baseline: baseline(1, one.baseline),
        verdict: 'info',
      },
      {
        workload: 'postgres-commands',
        measure: `${WRITERS} writers (registries), each sequential; ${text}`,
        value: eight.registry,
        unit: 'ops/s',
        baseline: baseline(WRITERS, eight.baseline),
        target: '≥ 2,000 ops/s, no lost or duplicated event',
        verdict: met ? 'met' : 'missed',
      },
    ];
  } finally {
    for (const w of writers) await w.registry.close().catch(() => {});
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

async function run(context: BenchContext): Promise<Row[]> {
  const url = process.env[ENV];
  if (!url) {
    return [
      {
        workload: 'postgres-commands',
        measure: `skipped: ${ENV} is not set`,
        value: Number.NaN,
        unit: 'ops/s',
        verdict: 'info',
      },
    ];
  }
  const schema = `bench_commands_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: url, max: 2 });
  const bench = new Bench(admin, schema, `${schema}_raw`);
  try {
    // A store makes the baseline's tables, so both schemas have the same tables and indexes.
    const raw = createPostgresEventStore({ connectionString: url, schema: bench.baselineSchema });
    await raw.head();
    await raw.close();
    return await runOn(context, url, bench);
  } finally {
    for (const name of [schema, bench.baselineSchema]) {
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(name)} CASCADE`);
    }
    await admin.end();
  }
}

export const postgresCommandsWorkload: Workload = {
  name: 'postgres-commands',
  description: `Commands/s on PostgreSQL with 1 and ${WRITERS} registries writing, no event lost, vs raw pg`,
  run,
};
