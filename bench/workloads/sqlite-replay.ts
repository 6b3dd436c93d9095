import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { DataSourceEvent } from '../../src/domain/events.js';
import { countSources } from '../../src/projections/queries.js';
import { applyToModels, createModels } from '../../src/registry/models.js';
import { nameClaim } from '../../src/registry/name-claims.js';
import { sealEventSecrets } from '../../src/security/event-secrets.js';
import { createSecretCipher } from '../../src/security/secret-cipher.js';
import { eventHash, GENESIS_HASH } from '../../src/store/chain.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { eventParams, prepareStatements } from '../../src/store/sqlite/statements.js';
import { generateLog } from '../events.js';
import { median, timeOnce } from '../measure.js';
import type { Row } from '../report.js';
import { openAndDigest, takeSnapshot } from '../snapshot-open.js';
import type { BenchContext, Workload } from '../workload.js';

/** The page size the registry reads a store with when it catches up. */
const PAGE = 10_000;

const thousands = (n: number) => n.toLocaleString('en-US');

/**
 * Writes the log into a file the store created, through the store's own
 * prepared statements and in one transaction: the rows, stream versions and
 * name claims the registry would have left, secrets sealed under `key`.
 */
export function writeLog(
  filename: string,
  events: readonly DataSourceEvent[],
  key: Uint8Array,
): void {
  const cipher = createSecretCipher(key);
  const db = new Database(filename);
  try {
    // Only for filling the file: a crash here loses a file nobody relies on.
    db.pragma('synchronous = OFF');
    const sql = prepareStatements(db);
    db.transaction(() => {
      const versions = new Map<string, number>();
      const names = new Map<string, { tenantId: string; name: string }>();
      // A tail written later chains on from the last event already in the file.
      const last = db
        .prepare<[], { hash: string | null }>(
          'SELECT hash FROM events ORDER BY position DESC LIMIT 1',
        )
        .get();
      let previous = last?.hash ?? GENESIS_HASH;
      for (const event of events) {
        const sealed = sealEventSecrets(event, cipher);
        previous = eventHash(previous, sealed);
        const { lastInsertRowid } = sql.insertEvent.run(
          ...eventParams({ ...sealed, hash: previous }),
        );
        // The registry replays by position: the file must give each event the position it had.
        if (Number(lastInsertRowid) !== event.position) {
          throw new Error(`sqlite-replay: event ${event.position} landed at ${lastInsertRowid}`);
        }
        versions.set(event.sourceId, event.streamVersion);
        if (event.type === 'DataSourceRegistered' || event.type === 'DataSourceRenamed') {
          const name = event.type === 'DataSourceRegistered' ? event.data.name : event.data.to;
          names.set(event.sourceId, { tenantId: event.tenantId, name });
        } else if (event.type === 'DataSourceDeleted') names.delete(event.sourceId);
      }
      for (const [streamId, version] of versions) sql.setStreamVersion.run(streamId, version);
      for (const [sourceId, { tenantId, name }] of names) {
        const claim = nameClaim(tenantId, name, sourceId);
        sql.setClaim.run(claim.scope, claim.key, claim.owner);
      }
    })();
  } finally {
    db.close();
  }
}

/** The I/O floor: the rows read in the registry's pages, data and metadata parsed, nothing else. */
export function readRaw(filename: string): number {
  const db = new Database(filename, { readonly: true });
  try {
    const page = db.prepare<[number, number], { position: number; data: string; metadata: string }>(
      `SELECT position, event_id, type, schema_version, source_id, tenant_id, stream_version,
              occurred_at, data, metadata
         FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    );
    let after = 0;
    let parsed = 0;
    for (;;) {
      const rows = page.all(after, PAGE);
      for (const row of rows) {
        // Counted, so the parses cannot be dropped as dead code.
        if (JSON.parse(row.data) !== null && JSON.parse(row.metadata) !== null) parsed++;
      }
      const last = rows.at(-1);
      if (!last) return parsed;
      after = last.position;
    }
  } finally {
    db.close();
  }
}

/** The in-memory replay of the same events, in the registry's pages. */
function replayInMemory(events: readonly DataSourceEvent[]): number {
  const view = createModels();
  for (let i = 0; i < events.length; i += PAGE) applyToModels(view, events.slice(i, i + PAGE));
  return countSources(view.projections, {});
}

const RUNS = 3;

/**
 * The share of the log appended after the snapshot: 10,000 of 1,000,000
 * events, as far behind as a registry with `snapshotEvery: 10_000` gets.
 */
const TAIL_SHARE = 0.01;

function expect(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`sqlite-replay: ${what} gave ${got}, expected ${want}`);
}

/**
 * Generates the log, writes it to the file (all but the last TAIL events,
 * then a snapshot taken by a registry, then the tail) and times its
 * in-memory replay.
 * The log stays in this function's scope, so it is garbage once it returns:
 * open() is then timed on a heap as small as a real startup has, not beside
 * a million events held for the baseline.
 */
async function prepare(context: BenchContext, sources: number, filename: string, key: Uint8Array) {
  context.progress(`sqlite-replay: generating ${thousands(sources * 10)} events`);
  const log = generateLog({ sources, tenants: sources / 100, eventsPerSource: 10 });
  const { events } = log;
  const live = log.liveSourceIds.length;
  // The store makes the file and its schema; the rows then go in raw.
  await createSqliteEventStore({ filename }).close();
  context.progress('sqlite-replay: writing the log into a SQLite file');
  const tail = Math.round(events.length * TAIL_SHARE);
  writeLog(filename, events.slice(0, events.length - tail), key);
  context.progress('sqlite-replay: opening it and taking a snapshot');
  const snapshot = await takeSnapshot(filename, key);
  // Only the rows: a name claim a tail deletion gives up stays, which no open() reads.
  writeLog(filename, events.slice(events.length - tail), key);
  const memory: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    context.progress(`sqlite-replay: in-memory replay, run ${r + 1} of ${RUNS}`);
    let n = 0;
    memory.push(await timeOnce(() => (n = replayInMemory(events))));
    expect('the in-memory replay', n, live);
  }
  return { events: events.length, live, memory: median(memory), snapshot, tail };
}

async function run(context: BenchContext): Promise<Row[]> {
  const sources = context.quick ? 10_000 : 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'datasource-registry-bench-'));
  try {
    const filename = join(dir, 'replay.db');
    const key = randomBytes(32);
    const prepared = await prepare(context, sources, filename, key);
    const samples = { open: [] as number[], raw: [] as number[], snapshot: [] as number[] };
    // In turn, run after run, so a change in the machine's load reaches all alike.
    for (let r = 0; r < RUNS; r++) {
      context.progress(
        `sqlite-replay: run ${r + 1} of ${RUNS}: raw read, open(), open() from the snapshot`,
      );
      let n = 0;
      samples.raw.push(await timeOnce(() => (n = readRaw(filename))));
      expect('the raw read', n, prepared.events);
      // The first run of each also hashes every answer, outside the timing, to compare the states.
      let full = { count: 0, digest: null as string | null };
      samples.open.push(
        await timeOnce(async () => (full = await openAndDigest(filename, key, false, false))),
      );
      expect('open()', full.count, prepared.live);
      let fast = { count: 0, digest: null as string | null };
      samples.snapshot.push(
        await timeOnce(async () => (fast = await openAndDigest(filename, key, true, false))),
      );
      expect('open() from the snapshot', fast.count, prepared.live);
    }
    context.progress('sqlite-replay: comparing the states of both opens');
    const [fullState, fastState] = [
      await openAndDigest(filename, key, false, true),
      await openAndDigest(filename, key, true, true),
    ];
    if (fullState.digest !== fastState.digest) {
      throw new Error(
        'sqlite-replay: the state opened from the snapshot differs from the full replay',
      );
    }
    const open = median(samples.open);
    const fromSnapshot = median(samples.snapshot);
    const label = `${thousands(prepared.events)} events of ${thousands(sources)} sources`;
    return [
      {
        workload: 'sqlite-replay',
        measure: `DataSourceRegistry.open on a SQLite file of ${label}`,
        value: open,
        unit: 'ms',
        baseline: { label: 'raw better-sqlite3 read + JSON.parse', value: median(samples.raw) },
        verdict: 'info',
      },
      {
        workload: 'sqlite-replay',
        measure: '  the same open()',
        value: open,
        unit: 'ms',
        baseline: { label: 'in-memory applyEvents of the same events', value: prepared.memory },
        verdict: 'info',
      },
      {
        workload: 'sqlite-replay',
        measure: `open() from a snapshot ${thousands(prepared.tail)} events behind the head: ${(open / fromSnapshot).toFixed(1)}× faster, the same state`,
        value: fromSnapshot,
        unit: 'ms',
        baseline: { label: 'the full-replay open() above', value: open },
        target: '≥ 10× faster than full replay',
        verdict: open / fromSnapshot >= 10 ? 'met' : 'missed',
      },
      {
        workload: 'sqlite-replay',
        measure: `  the snapshot: ${thousands(prepared.live)} live sources, secrets sealed`,
        value: prepared.snapshot.bytes / 2 ** 20,
        unit: 'MiB',
        verdict: 'info',
      },
      {
        workload: 'sqlite-replay',
        measure: '  taking it with registry.snapshot()',
        value: prepared.snapshot.ms,
        unit: 'ms',
        verdict: 'info',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const sqliteReplayWorkload: Workload = {
  name: 'sqlite-replay',
  description:
    'open() on a SQLite file of a long log vs a raw read of its rows and an in-memory replay',
  run,
};
