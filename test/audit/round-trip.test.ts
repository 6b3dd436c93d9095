import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMemoryEventStore,
  type EventStore,
  exportLog,
  type ImportProgress,
  importLog,
} from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { describeWithPostgres, testSchemas } from '../support/postgres.js';
import { useTempDir } from '../support/temp-dir.js';
import { KEY, SECRETS, seededSqliteLog, viewOfStore } from './logs.js';

const tempDir = useTempDir('audit-round-trip-');

/** The seeded SQLite log, its view, and its backup export. */
async function backupOfSeededLog() {
  const dir = tempDir();
  const filename = await seededSqliteLog(dir);
  const original = await viewOfStore(createSqliteEventStore({ filename }));
  const backup = join(dir, 'backup.ndjson');
  const keys = join(dir, 'keys.ndjson');
  const source = createSqliteEventStore({ filename });
  await exportLog({ store: source, output: backup, keysOutput: keys, mode: 'backup' });
  await source.close();
  return { dir, filename, original, backup, keys };
}

/** Imports the backup (both parts) into `target`, then reads it through a registry with the same key. */
async function restoredView(
  backup: { backup: string; keys: string },
  target: EventStore,
  viaKey = false,
) {
  await importLog({
    store: target,
    input: backup.backup,
    keysInput: backup.keys,
    ...(viaKey ? { encryptionKey: KEY } : {}),
  });
  return viewOfStore(target);
}

describe('a backup export restored', () => {
  it('into SQLite reads as the original, secrets included', async () => {
    const parts = await backupOfSeededLog();
    const { dir, original } = parts;

    const restored = await restoredView(
      parts,
      createSqliteEventStore({ filename: join(dir, 'restored.sqlite') }),
    );

    expect(restored).toBe(original);
    expect(restored).toContain(SECRETS.newPassword);
  });

  it('into a memory store, given the key, reads as the original, secrets included', async () => {
    const parts = await backupOfSeededLog();

    const restored = await restoredView(parts, createMemoryEventStore(), true);

    expect(restored).toBe(parts.original);
  });

  it('keeps every event, each with its schema version, as the original log holds it', async () => {
    const { dir, backup, keys } = await backupOfSeededLog();
    const restoredFile = join(dir, 'restored.sqlite');
    await importLog({
      store: createSqliteEventStore({ filename: restoredFile }),
      input: backup,
      keysInput: keys,
    });

    const again = join(dir, 'again.ndjson');
    const restored = createSqliteEventStore({ filename: restoredFile });
    await exportLog({ store: restored, output: again, mode: 'backup' });
    await restored.close();

    expect(readFileSync(again, 'utf8')).toBe(readFileSync(backup, 'utf8'));
  });

  it('reports its progress while checking, then while writing, up to every event', async () => {
    const { dir, backup } = await backupOfSeededLog();
    const progress: ImportProgress[] = [];

    const result = await importLog({
      store: createSqliteEventStore({ filename: join(dir, 'restored.sqlite') }),
      input: backup,
      onProgress: (p) => progress.push(p),
    });

    const lines = readFileSync(backup, 'utf8').trimEnd().split('\n').length;
    expect(result.events).toBe(lines);
    expect(progress).toEqual([
      { phase: 'checking', events: lines, total: null },
      { phase: 'writing', events: lines, total: lines },
    ]);
  });
});

describe('the export files of a log with secrets', () => {
  it('hold no secret in plaintext in a backup: only ciphertext', async () => {
    const { backup } = await backupOfSeededLog();

    const text = readFileSync(backup, 'utf8');

    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).toContain('"$sealed":"v2:');
  });

  it('hold the data keys apart from the events, wrapped, in the keys part of a backup', async () => {
    const { backup, keys } = await backupOfSeededLog();

    const events = readFileSync(backup, 'utf8');
    const keyLines = readFileSync(keys, 'utf8').trimEnd().split('\n');

    expect(keyLines.length).toBeGreaterThan(0);
    for (const line of keyLines) {
      const { keyId, wrappedKey } = JSON.parse(line) as { keyId: string; wrappedKey: string };
      expect(wrappedKey).toMatch(/^v1:[0-9a-f]{16}:/);
      expect(events).not.toContain(wrappedKey);
      expect(events).toContain(`"v2:${keyId}:`);
    }
  });

  it('cannot be restored from the events alone: the secrets need the keys part', async () => {
    const { dir, backup } = await backupOfSeededLog();

    const failure = await importLog({
      store: createSqliteEventStore({ filename: join(dir, 'events-only.sqlite') }),
      input: backup,
      encryptionKey: KEY,
    }).catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: 'SECRET_UNAVAILABLE', details: { line: 1 } });
  });

  it('hold no secret in an audit export: each is "***"', async () => {
    const dir = tempDir();
    const filename = await seededSqliteLog(dir);
    const audit = join(dir, 'audit.ndjson');
    const store = createSqliteEventStore({ filename });

    await exportLog({ store, output: audit, mode: 'audit' });
    await store.close();

    const text = readFileSync(audit, 'utf8');
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).not.toContain('$sealed');
    expect(text).toContain('"password":"***"');
    expect(text).toContain('"clientSecret":"***"');
  });
});

describeWithPostgres('a backup export of SQLite restored into PostgreSQL', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  it('reads as the original, secrets included', async () => {
    const parts = await backupOfSeededLog();

    const restored = await restoredView(
      parts,
      createPostgresEventStore({ connectionString: url, schema: schemas.next('dsreg_import') }),
    );

    expect(restored).toBe(parts.original);
  });
});
