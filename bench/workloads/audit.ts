import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportLog, importLog } from '../../src/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { generateLog } from '../events.js';
import { heapAfterGc, median, timeOnce } from '../measure.js';
import type { Row } from '../report.js';
import type { BenchContext, Workload } from '../workload.js';
import { readRaw, writeLog } from './sqlite-replay.js';

const RUNS = 3;
const thousands = (n: number) => n.toLocaleString('en-US');
const MiB = 2 ** 20;

function check(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`audit: ${what} gave ${got}, expected ${want}`);
}

/**
 * Runs `work` and returns how far the live heap rose above where it began:
 * collected and measured on every tenth progress call, so garbage not yet
 * collected does not count, only what the work holds on to. Untimed.
 */
async function liveHeapRise(work: (sample: () => void) => Promise<unknown>): Promise<number> {
  const start = heapAfterGc();
  let peak = start;
  let calls = 0;
  await work(() => {
    if (++calls % 10 === 0) peak = Math.max(peak, heapAfterGc());
  });
  return (peak - start) / MiB;
}

async function run(context: BenchContext): Promise<Row[]> {
  const sources = context.quick ? 2_000 : 20_000;
  const dir = mkdtempSync(join(tmpdir(), 'datasource-registry-bench-audit-'));
  try {
    const key = randomBytes(32);
    const filename = join(dir, 'log.db');
    const count = await (async () => {
      context.progress(`audit: generating ${thousands(sources * 10)} events`);
      const { events } = generateLog({ sources, tenants: sources / 100, eventsPerSource: 10 });
      const creating = createSqliteEventStore({ filename });
      await creating.head();
      await creating.close();
      writeLog(filename, events, key);
      return events.length;
    })();
    const backup = join(dir, 'backup.ndjson');
    const samples = { export: [] as number[], raw: [] as number[], import: [] as number[] };
    for (let r = 0; r < RUNS; r++) {
      context.progress(`audit: run ${r + 1} of ${RUNS}: raw read, export, import`);
      let n = 0;
      samples.raw.push(await timeOnce(() => (n = readRaw(filename))));
      check('the raw read', n, count);
      const store = createSqliteEventStore({ filename });
      samples.export.push(
        await timeOnce(async () => {
          n = (await exportLog({ store, output: backup, mode: 'backup' })).events;
        }),
      );
      await store.close();
      check('the export', n, count);
      const target = createSqliteEventStore({ filename: join(dir, `restored-${r}.db`) });
      samples.import.push(
        await timeOnce(async () => {
          n = (await importLog({ store: target, input: backup })).events;
        }),
      );
      await target.close();
      check('the import', n, count);
    }
    context.progress('audit: one more export and import, the live heap measured as they run');
    const store = createSqliteEventStore({ filename });
    const exportRise = await liveHeapRise((sample) =>
      exportLog({ store, output: backup, mode: 'backup', onProgress: sample }),
    );
    await store.close();
    const target = createSqliteEventStore({ filename: join(dir, 'restored-heap.db') });
    const importRise = await liveHeapRise((sample) =>
      importLog({ store: target, input: backup, onProgress: sample }),
    );
    await target.close();
    const rate = (ms: number) => count / (ms / 1000);
    const size = statSync(backup).size / MiB;
    const label = `${thousands(count)} events of ${thousands(sources)} sources, ${size.toFixed(0)} MiB of NDJSON`;
    return [
      {
        workload: 'audit',
        measure: `exportLog backup, SQLite to a file, ${label}`,
        value: rate(median(samples.export)),
        unit: 'ops/s',
        baseline: {
          label: 'raw better-sqlite3 read + JSON.parse',
          value: rate(median(samples.raw)),
        },
        verdict: 'info',
      },
      {
        workload: 'audit',
        measure: '  live heap rise during the export (after a collection)',
        value: exportRise,
        unit: 'MiB',
        verdict: 'info',
      },
      {
        workload: 'audit',
        measure: 'importLog of that file into an empty SQLite store (check, then write)',
        value: rate(median(samples.import)),
        unit: 'ops/s',
        verdict: 'info',
      },
      {
        workload: 'audit',
        measure: '  live heap rise during the import (after a collection)',
        value: importRise,
        unit: 'MiB',
        verdict: 'info',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const auditWorkload: Workload = {
  name: 'audit',
  description:
    'exportLog (backup) of a SQLite log to NDJSON, and importLog of it into an empty store',
  run,
};
