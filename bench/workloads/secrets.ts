import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataSourceConfigInput, DataSourceRegistry, DataSourceType } from '../../src/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { median, timeOnce } from '../measure.js';
import type { Row } from '../report.js';
import type { BenchContext, Workload } from '../workload.js';

const RUNS = 3;
const TENANTS = 20;

const open = (filename: string, key: Uint8Array) =>
  DataSourceRegistry.open({ store: createSqliteEventStore({ filename }), encryptionKey: key });

/** A config with three secrets (password, apiKey, one oauth value), or the same without them. */
function config(i: number, secrets: boolean): DataSourceConfigInput {
  return secrets
    ? {
        host: `db-${i}.internal`,
        password: `pw-${i}-${'x'.repeat(16)}`,
        apiKey: `ak-${i}-${'y'.repeat(24)}`,
        oauthConfig: { clientId: `app-${i}`, clientSecret: `cs-${i}-${'z'.repeat(24)}` },
      }
    : { host: `db-${i}.internal`, oauthConfig: { clientId: `app-${i}` } };
}

/**
 * One command after another on a fresh SQLite file, each awaited: a
 * registration then a config change per source, so every command writes a
 * config. Returns the median microseconds per command over the runs.
 */
async function commands(dir: string, key: Uint8Array, sources: number, secrets: boolean) {
  const samples: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const registry = await open(join(dir, `commands-${secrets}-${r}.sqlite`), key);
    const ms = await timeOnce(async () => {
      for (let i = 0; i < sources; i++) {
        const source = await registry.register({
          tenantId: `t${i % TENANTS}`,
          name: `Source ${i}`,
          sourceType: DataSourceType.DATABASE,
          config: config(i, secrets),
        });
        await registry.updateConfig(source.sourceId, config(i + 1, secrets));
      }
    });
    await registry.close();
    samples.push((ms * 1000) / (sources * 2));
  }
  return median(samples);
}

/** open() on the file the last command run left: median microseconds per replayed event. */
async function replay(filename: string, key: Uint8Array, events: number) {
  const samples: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const ms = await timeOnce(async () => (await open(filename, key)).close());
    samples.push((ms * 1000) / events);
  }
  return median(samples);
}

async function run(context: BenchContext): Promise<Row[]> {
  const sources = context.quick ? 300 : 3_000;
  const dir = mkdtempSync(join(tmpdir(), 'datasource-registry-bench-'));
  try {
    const key = randomBytes(32);
    context.progress(`secrets: ${sources * 2} commands with secrets, ${RUNS} runs`);
    const sealed = await commands(dir, key, sources, true);
    context.progress(`secrets: ${sources * 2} commands without secrets, ${RUNS} runs`);
    const plain = await commands(dir, key, sources, false);
    const events = sources * 2;
    context.progress('secrets: replaying both logs');
    const opened = await replay(join(dir, `commands-true-${RUNS - 1}.sqlite`), key, events);
    const unopened = await replay(join(dir, `commands-false-${RUNS - 1}.sqlite`), key, events);
    return [
      {
        workload: 'secrets',
        measure: `a command writing 3 secrets (sealed under the tenant's data key), SQLite, ${events} commands`,
        value: sealed,
        unit: 'µs/op',
        baseline: { label: 'the same commands without secrets', value: plain },
        verdict: 'info',
      },
      {
        workload: 'secrets',
        measure: `open(): a replayed event with 3 secrets (opened), ${events} events`,
        value: opened,
        unit: 'µs/op',
        baseline: { label: 'the same events without secrets', value: unopened },
        verdict: 'info',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const secretsWorkload: Workload = {
  name: 'secrets',
  description: 'the cost of sealing secrets per command and opening them per replayed event',
  run,
};
