import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/schema.js';
import { useTempDir } from '../support/temp-dir.js';
import { streamAppend } from './conformance-fixtures.js';

const tempDir = useTempDir('checkpoint-upgrade-');

it('gives a SQLite log written before subscriptions a checkpoint table, keeping its events', async () => {
  const filename = join(tempDir(), 'log.db');
  const writer = createSqliteEventStore({ filename });
  await writer.append(streamAppend('s1', 0, 2));
  await writer.close();
  const db = new Database(filename);
  db.exec('DROP TABLE subscription_checkpoints; DELETE FROM schema_migrations WHERE version > 2');
  db.close();

  const store = createSqliteEventStore({ filename });
  try {
    expect(await store.readCheckpoint('billing')).toBeNull();
    await store.storeCheckpoint('billing', 2);
    expect(await store.readCheckpoint('billing')).toBe(2);
    expect((await store.readAll()).map((event) => event.position)).toEqual([1, 2]);
  } finally {
    await store.close();
  }
  const check = new Database(filename, { readonly: true });
  const versions = check.prepare('SELECT version FROM schema_migrations').pluck().all();
  check.close();
  expect(versions).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
});
