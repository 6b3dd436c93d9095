import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSourceRegistry, exportLog, importLog, verifyLog } from '../../src/index.js';
import { createChainCheck } from '../../src/store/chain.js';
import type { EventStore } from '../../src/store/event-store.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { createPostgresEventStore } from '../../src/store/postgres/store.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { generateLog } from '../events.js';
import { heapAfterGc, median, timeOnce } from '../measure.js';
import type { Row } from '../report.js';
import type { BenchContext, Workload } from '../workload.js';
import { writeLog } from './sqlite-replay.js';

const RUNS = 3;
const PAGE = 1000;
const ENV = 'DATASOURCE_REGISTRY_PG_URL';
const MiB = 2 ** 20;
const thousands = (n: number) => n.toLocaleString('en-US');

function check(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`verify: ${what} gave ${got}, expected ${want}`);
}

/** The baseline: the same pages `verifyLog` reads, through the same store, nothing checked. */
async function readPages(store: EventStore): Promise<number> {
  let after = 0;
  let events = 0;
  for (;;) {
    const page = await store.readAll({ after, limit: PAGE });
    events += page.length;
    if (page.length < PAGE) return events;
    after = page[page.length - 1]?.position ?? after;
  }
}

/** verifyLog and the paging baseline on one store, alternated, medians of RUNS. */
async function verifyRates(store: EventStore, count: number): Promise<[number, number]> {
  const verify: number[] = [];
  const read: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    let n = 0;
    read.push(await timeOnce(async () => (n = await readPages(store))));
    check('the paging read', n, count);
    verify.push(await timeOnce(async () => (n = (await verifyLog({ store })).checked)));
    check('verifyLog', n, count);
  }
  const rate = (ms: number) => count / (ms / 1000);
  return [rate(median(verify)), rate(median(read))];
}

function verifyRow(store: string, label: string, [value, baseline]: [number, number]): Row {
  return {
    workload: 'verify',
    measure: `verifyLog, ${store}, ${label}`,
    value,
    unit: 'ops/s',
    baseline: { label: `readAll in pages of ${PAGE}, through the same store`, value: baseline },
    verdict: 'info',
  };
}

/**
 * What the check on open costs: a registry opened on the log (fold and check
 * together), beside the check alone over the same events, held in memory.
 */
async function openCost(
  store: EventStore,
  filename: string,
  key: Uint8Array,
  count: number,
): Promise<Row[]> {
  const opens: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    opens.push(
      await timeOnce(async () => {
        const registry = await DataSourceRegistry.open({
          store: createSqliteEventStore({ filename }),
          encryptionKey: key,
        });
        check('the open', registry.position, count);
        await registry.close();
      }),
    );
  }
  const events = await store.readAll();
  const checks: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    checks.push(
      await timeOnce(() =>
        check('the check', createChainCheck().accept(events) === null ? 1 : 0, 1),
      ),
    );
  }
  const rate = (ms: number) => count / (ms / 1000);
  return [
    {
      workload: 'verify',
      measure: 'the chain check alone, over the events of that log in memory',
      value: rate(median(checks)),
      unit: 'ops/s',
      baseline: {
        label: 'DataSourceRegistry.open on the file (fold and check)',
        value: rate(median(opens)),
      },
      verdict: 'info',
    },
  ];
}

async function run(context: BenchContext): Promise<Row[]> {
  const sources = context.quick ? 2_000 : 20_000;
  const dir = mkdtempSync(join(tmpdir(), 'datasource-registry-bench-verify-'));
  const rows: Row[] = [];
  try {
    const key = randomBytes(32);
    const filename = join(dir, 'log.db');
    context.progress(`verify: generating ${thousands(sources * 10)} events`);
    const { events } = generateLog({ sources, tenants: sources / 100, eventsPerSource: 10 });
    const count = events.length;
    const creating = createSqliteEventStore({ filename });
    await creating.head();
    await creating.close();
    writeLog(filename, events, key);
    const label = `${thousands(count)} events of ${thousands(sources)} sources`;

    context.progress('verify: SQLite');
    const sqlite = createSqliteEventStore({ filename });
    rows.push(verifyRow('SQLite', label, await verifyRates(sqlite, count)));
    const start = heapAfterGc();
    let peak = start;
    let calls = 0;
    await verifyLog({
      store: sqlite,
      onProgress: () => {
        if (++calls % 10 === 0) peak = Math.max(peak, heapAfterGc());
      },
    });
    rows.push({
      workload: 'verify',
      measure: '  live heap rise during that verifyLog (after a collection)',
      value: (peak - start) / MiB,
      unit: 'MiB',
      verdict: 'info',
    });
    rows.push(...(await openCost(sqlite, filename, key, count)));
    const backup = join(dir, 'backup.ndjson');
    await exportLog({ store: sqlite, output: backup, mode: 'backup' });
    await sqlite.close();

    const url = process.env[ENV]?.trim();
    if (!url) {
      context.progress(`verify: PostgreSQL skipped, ${ENV} is not set`);
      return rows;
    }
    const schema = `dsreg_bench_verify_${Date.now().toString(36)}`;
    const pg = createPostgresEventStore({ connectionString: url, schema });
    try {
      context.progress('verify: importLog into PostgreSQL');
      let n = 0;
      const importMs = await timeOnce(async () => {
        n = (await importLog({ store: pg, input: backup })).events;
        await pg.seal();
      });
      check('the import into PostgreSQL', n, count);
      const exportMs = await timeOnce(async () => {
        n = (await exportLog({ store: pg, output: join(dir, 'pg.ndjson'), mode: 'backup' })).events;
      });
      check('the export from PostgreSQL', n, count);
      const readMs = await timeOnce(async () => (n = await readPages(pg)));
      const rate = (ms: number) => count / (ms / 1000);
      const paging = { label: `readAll in pages of ${PAGE}`, value: rate(readMs) };
      rows.push(
        {
          workload: 'verify',
          measure: `importLog into PostgreSQL, then every event sealed, ${label}`,
          value: rate(importMs),
          unit: 'ops/s',
          baseline: paging,
          verdict: 'info',
        },
        {
          workload: 'verify',
          measure: 'exportLog backup, PostgreSQL to a file',
          value: rate(exportMs),
          unit: 'ops/s',
          baseline: paging,
          verdict: 'info',
        },
      );
      context.progress('verify: PostgreSQL');
      rows.push(verifyRow('PostgreSQL', label, await verifyRates(pg, count)));
    } finally {
      await pg.close();
      const { default: pgDriver } = await import('pg');
      const client = new pgDriver.Client(url);
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      await client.end();
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const verifyWorkload: Workload = {
  name: 'verify',
  description:
    'verifyLog of a SQLite and a PostgreSQL log beside a plain paging read, and importLog/exportLog on PostgreSQL',
  run,
};
