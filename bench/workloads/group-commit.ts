import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSourceRegistry } from '../../src/index.js';
import type { EventStore } from '../../src/store/event-store.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { createPostgresEventStore } from '../../src/store/postgres/store.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { CommandMix, runBounded } from '../command-mix.js';
import { median, timeOnce } from '../measure.js';
import type { Row } from '../report.js';
import type { BenchContext, Workload } from '../workload.js';
import { IN_FLIGHT, seedSources } from './sqlite-commands.js';

const ENV = 'DATASOURCE_REGISTRY_PG_URL';

/** Commands/s of one registry on `store`: sequential, then IN_FLIGHT at once, in turns. */
async function measure(
  context: BenchContext,
  name: string,
  store: EventStore,
): Promise<{ sequential: number; concurrent: number }> {
  const registry = await DataSourceRegistry.open({ store, encryptionKey: randomBytes(32) });
  try {
    const tenants = ['t0', 't1', 't2'];
    const ids = await seedSources(registry, context.quick ? 300 : 1_000, tenants);
    const mix = new CommandMix(ids, tenants);
    const perRun = context.quick ? 400 : 2_000;
    const runs = context.quick ? 3 : 5;
    const rate = (ms: number) => (perRun * 1000) / ms;
    const sequential: number[] = [];
    const concurrent: number[] = [];
    for (let r = 0; r < runs; r++) {
      context.progress(`group-commit: ${name}, run ${r + 1} of ${runs}`);
      sequential.push(rate(await timeOnce(() => runBounded(registry, mix.next(perRun), 1))));
      concurrent.push(
        rate(await timeOnce(() => runBounded(registry, mix.next(perRun), IN_FLIGHT))),
      );
    }
    return { sequential: median(sequential), concurrent: median(concurrent) };
  } finally {
    await registry.close();
  }
}

function row(store: string, figures: { sequential: number; concurrent: number }): Row {
  return {
    workload: 'group-commit',
    measure: `${store}, 1 registry, ${IN_FLIGHT} commands in flight on distinct sources`,
    value: figures.concurrent,
    unit: 'ops/s',
    baseline: { label: 'the same registry, one command at a time', value: figures.sequential },
    target: '≥ 5× sequential',
    verdict: figures.concurrent >= 5 * figures.sequential ? 'met' : 'missed',
  };
}

async function run(context: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'dsreg-group-commit-'));
  try {
    const store = createSqliteEventStore({ filename: join(dir, 'log.db'), synchronous: 'full' });
    rows.push(row('SQLite (synchronous FULL)', await measure(context, 'SQLite', store)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const url = process.env[ENV];
  if (!url) {
    rows.push({
      workload: 'group-commit',
      measure: `PostgreSQL skipped: ${ENV} is not set`,
      value: Number.NaN,
      unit: 'ops/s',
      verdict: 'info',
    });
    return rows;
  }
  const schema = `bench_group_${randomBytes(4).toString('hex')}`;
  try {
    const store = createPostgresEventStore({ connectionString: url, schema });
    rows.push(row('PostgreSQL', await measure(context, 'PostgreSQL', store)));
  } finally {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await admin.end();
  }
  return rows;
}

export const groupCommitWorkload: Workload = {
  name: 'group-commit',
  description: `Commands/s of one registry with ${IN_FLIGHT} in flight vs one at a time, SQLite and PostgreSQL`,
  run,
};
