import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSourceRegistry, type EventStore } from '../../src/index.js';
import { sealEventSecrets } from '../../src/security/event-secrets.js';
import { createSecretCipher } from '../../src/security/secret-cipher.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { createPostgresEventStore } from '../../src/store/postgres/store.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { generateLog } from '../events.js';
import { median, timeOnce } from '../measure.js';
import type { Row } from '../report.js';
import type { BenchContext, Workload } from '../workload.js';
import { writeLog } from './sqlite-replay.js';

const ENV = 'DATASOURCE_REGISTRY_PG_URL';
const RUNS = 3;
/** The page a subscription reads the log in (follow/subscription.ts). */
const PAGE = 1_000;

const thousands = (n: number) => n.toLocaleString('en-US');

/** The baseline: the same store read to its head in the subscription's pages, nothing handed on. */
async function readLoop(store: EventStore): Promise<number> {
  let after = 0;
  let read = 0;
  for (;;) {
    const page = await store.readAll({ after, limit: PAGE });
    const last = page.at(-1);
    if (!last) return read;
    read += page.length;
    after = last.position;
  }
}

/**
 * A subscription from the start of the log, its handler counting, until it
 * has handled every event; it stores its checkpoint in the store as it goes.
 */
async function deliver(registry: DataSourceRegistry, name: string, events: number) {
  let handled = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const subscription = registry.subscribe({
    name,
    handler: () => {
      handled += 1;
      if (handled === events) done();
    },
  });
  await finished;
  await subscription.stop();
  return handled;
}

/** Times both, in turns, on one log; `open` gives a new store object on it. */
async function measure(
  context: BenchContext,
  label: string,
  open: () => EventStore,
  key: Uint8Array,
  events: number,
): Promise<Row> {
  const samples = { loop: [] as number[], subscription: [] as number[] };
  for (let r = 0; r < RUNS; r++) {
    context.progress(`subscriptions: ${label}, run ${r + 1} of ${RUNS}`);
    const raw = open();
    let read = 0;
    samples.loop.push(await timeOnce(async () => (read = await readLoop(raw))));
    await raw.close();
    if (read !== events) throw new Error(`subscriptions: read ${read} of ${events} events`);
    const registry = await DataSourceRegistry.open({ store: open(), encryptionKey: key });
    let handled = 0;
    samples.subscription.push(
      await timeOnce(async () => (handled = await deliver(registry, `bench-${r}`, events))),
    );
    await registry.close();
    if (handled !== events) throw new Error(`subscriptions: handled ${handled} of ${events}`);
  }
  const rate = (ms: number) => events / (ms / 1000);
  return {
    workload: 'subscriptions',
    measure: `delivery of ${thousands(events)} events to a subscription, checkpoints in ${label}`,
    value: rate(median(samples.subscription)),
    unit: 'ops/s',
    baseline: {
      label: `a readAll loop of the same store in ${thousands(PAGE)}-event pages`,
      value: rate(median(samples.loop)),
    },
    verdict: 'info',
  };
}

/** The log appended to a PostgreSQL schema in batches, secrets sealed, as the registry would have. */
async function fillPostgres(url: string, schema: string, sources: number, key: Uint8Array) {
  const { events } = generateLog({ sources, tenants: sources / 100, eventsPerSource: 10 });
  const cipher = createSecretCipher(key);
  const store = createPostgresEventStore({ connectionString: url, schema });
  try {
    for (let i = 0; i < events.length; i += 500) {
      const requests = events.slice(i, i + 500).map((event) => ({
        events: [sealEventSecrets(event, cipher)],
        expectedVersions: { [event.sourceId]: event.streamVersion - 1 },
      }));
      const outcomes = await store.appendBatch(requests);
      const failed = outcomes.find((outcome) => !outcome.ok);
      if (failed && !failed.ok) throw failed.error;
    }
  } finally {
    await store.close();
  }
  return events.length;
}

async function run(context: BenchContext): Promise<Row[]> {
  const sources = context.quick ? 1_000 : 10_000;
  const key = randomBytes(32);
  const rows: Row[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'datasource-registry-bench-'));
  try {
    context.progress(`subscriptions: writing ${thousands(sources * 10)} events into a SQLite file`);
    const filename = join(dir, 'log.db');
    await createSqliteEventStore({ filename }).close();
    const { events } = generateLog({ sources, tenants: sources / 100, eventsPerSource: 10 });
    writeLog(filename, events, key);
    const open = () => createSqliteEventStore({ filename });
    rows.push(await measure(context, 'SQLite', open, key, events.length));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const url = process.env[ENV];
  if (!url) {
    rows.push({
      workload: 'subscriptions',
      measure: `PostgreSQL skipped: ${ENV} is not set`,
      value: Number.NaN,
      unit: 'ops/s',
      verdict: 'info',
    });
    return rows;
  }
  const schema = `bench_subscriptions_${randomBytes(4).toString('hex')}`;
  try {
    context.progress(`subscriptions: appending ${thousands(sources * 10)} events to PostgreSQL`);
    const events = await fillPostgres(url, schema, sources, key);
    const open = () => createPostgresEventStore({ connectionString: url, schema });
    rows.push(await measure(context, 'PostgreSQL', open, key, events));
  } finally {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await admin.end();
  }
  return rows;
}

export const subscriptionsWorkload: Workload = {
  name: 'subscriptions',
  description:
    'events/s a subscription handles with its checkpoints kept in SQLite and PostgreSQL, vs a plain readAll loop',
  run,
};
