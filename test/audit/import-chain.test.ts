import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, exportLog, importLog, verifyLog } from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { describeWithPostgres, eventually, testSchemas } from '../support/postgres.js';
import { failsWith } from '../support/registry-fixtures.js';
import { useTempDir } from '../support/temp-dir.js';
import { KEY, seededSqliteLog } from './logs.js';

const tempDir = useTempDir('audit-chain-');

/** The seeded log's backup as lines, and a writer of changed copies. */
async function backupLines() {
  const dir = tempDir();
  const filename = await seededSqliteLog(dir);
  const backup = join(dir, 'backup.ndjson');
  const keys = join(dir, 'keys.ndjson');
  const store = createSqliteEventStore({ filename });
  await exportLog({ store, output: backup, keysOutput: keys, mode: 'backup' });
  const stored = await store.readAll();
  await store.close();
  const lines = readFileSync(backup, 'utf8').trimEnd().split('\n');
  const write = (changed: string[]) => {
    const path = join(dir, `changed-${randomBytes(4).toString('hex')}.ndjson`);
    writeFileSync(path, `${changed.join('\n')}\n`);
    return path;
  };
  return { dir, filename, backup, keys, lines, stored, write };
}

const parse = (line: string | undefined) => JSON.parse(line ?? 'null') as Record<string, unknown>;

/** Imports into a new SQLite file expecting CORRUPT_LOG; checks nothing was written. */
async function importFails(dir: string, input: string) {
  const store = createSqliteEventStore({
    filename: join(dir, `t-${randomBytes(4).toString('hex')}.db`),
  });
  const error = await failsWith(() => importLog({ store, input }), ErrorCode.CORRUPT_LOG);
  expect(await store.head()).toBe(0);
  await store.close();
  return error;
}

describe('the hash chain of a backup', () => {
  it('is carried on every line, as the store holds it', async () => {
    const { lines, stored } = await backupLines();

    expect(lines.map((line) => parse(line).hash)).toEqual(stored.map((event) => event.hash));
  });

  it('refuses a file whose line had its metadata edited, naming the line, writing nothing', async () => {
    const { dir, lines, write } = await backupLines();
    const changed = [...lines];
    changed[6] = JSON.stringify({ ...parse(lines[6]), metadata: { actor: 'someone else' } });

    const error = await importFails(dir, write(changed));

    expect(error.message).toMatch(/^Line 7: the hash chain breaks here/);
    expect(error.details).toMatchObject({ line: 7, position: parse(lines[6]).position });
  });

  it('refuses a file with a line taken out, at the line after the gap', async () => {
    const { dir, lines, write } = await backupLines();
    const changed = lines.filter((_, i) => i !== 11);

    const error = await importFails(dir, write(changed));

    expect(error.details).toMatchObject({ line: 12 });
  });

  it('refuses a line without its hash followed by lines with theirs', async () => {
    const { dir, lines, write } = await backupLines();
    const changed = [...lines];
    const { hash: _hash, ...unsealed } = parse(lines[3]);
    changed[3] = JSON.stringify(unsealed);

    const error = await importFails(dir, write(changed));

    expect(error.details).toMatchObject({ line: 5 });
    expect(error.message).toContain('sealed');
  });
});

it('imports a file from a release before the chain, whose lines carry no hash', async () => {
  const { dir, lines, write, stored } = await backupLines();
  const unchained = lines.map((line) => {
    const { hash: _hash, ...event } = parse(line);
    return JSON.stringify(event);
  });
  const store = createSqliteEventStore({ filename: join(dir, 'old-file.db') });

  await importLog({ store, input: write(unchained) });
  const result = await verifyLog({ store });
  await store.close();

  expect(result).toMatchObject({ ok: true, checked: stored.length });
});

describeWithPostgres('a backup of SQLite restored into PostgreSQL', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  it('verifies whole there, and its own backup verifies on the way back into SQLite', async () => {
    const { dir, backup, keys, stored } = await backupLines();
    const target = createPostgresEventStore({
      connectionString: url,
      schema: schemas.next('dsreg_chain'),
    });
    await importLog({ store: target, input: backup, keysInput: keys, encryptionKey: KEY });
    // Readable (and so sealable) once every older transaction on the server has ended.
    const last = stored.at(-1)?.position ?? 0;
    await eventually(async () => (await target.head()) >= last, 'the import to be readable');

    const inPostgres = await verifyLog({ store: target });
    const again = join(dir, 'again.ndjson');
    const keysAgain = join(dir, 'keys-again.ndjson');
    await exportLog({ store: target, output: again, keysOutput: keysAgain, mode: 'backup' });
    await target.close();
    const back = createSqliteEventStore({ filename: join(dir, 'back.db') });
    await importLog({ store: back, input: again, keysInput: keysAgain, encryptionKey: KEY });
    const inSqlite = await verifyLog({ store: back });
    await back.close();

    expect(inPostgres).toMatchObject({ ok: true, checked: stored.length, unsealed: 0 });
    expect(inSqlite).toMatchObject({ ok: true, checked: stored.length, unsealed: 0 });
  });
});
