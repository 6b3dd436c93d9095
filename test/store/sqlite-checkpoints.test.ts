/**
 * The SQLite store checkpoints its WAL after a commit has returned rather
 * than inside it, and keeps the WAL bounded even for a writer that never
 * yields to the event loop.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_AFTER_EVENTS,
  CHECKPOINT_INLINE_EVENTS,
} from '../../src/store/sqlite/checkpoints.js';
import { createSqliteEventStore, type SqliteEventStore } from '../../src/store/sqlite/index.js';
import { eventually } from '../support/postgres.js';
import { useTempDir } from '../support/temp-dir.js';
import { streamAppend } from './conformance-fixtures.js';

const tempDir = useTempDir('datasource-registry-checkpoints-');

const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/**
 * Appends `count` one-event commits, each to a stream of its own, without
 * yielding to the event loop: through `appendBatch`, which commits at once,
 * since `append` waits a turn to gather a group commit.
 */
async function appendMany(store: SqliteEventStore, count: number, prefix: string) {
  for (let i = 0; i < count; i++) {
    const [outcome] = await store.appendBatch([streamAppend(`${prefix}-${i}`, 0)]);
    if (!outcome?.ok) throw outcome?.error ?? new Error('no outcome');
  }
}

function openStore() {
  const filename = join(tempDir(), 'registry.db');
  const store = createSqliteEventStore({ filename });
  return { store, database: filename, wal: `${filename}-wal` };
}

describe('SQLite checkpoints', () => {
  it('leaves the checkpoint out of the committing calls below the inline threshold', async () => {
    const { store, database } = openStore();
    await appendMany(store, 1, 'warm');
    await eventually(async () => sizeOf(database) > 0, 'the tables to reach the database file');
    const before = sizeOf(database);
    // Without a turn of the event loop no scheduled checkpoint can run, and
    // SQLite's automatic one would have run inside one of these commits.
    await appendMany(store, CHECKPOINT_INLINE_EVENTS - 10, 'quiet');
    expect(sizeOf(database)).toBe(before);
    await store.close();
  });

  it('checkpoints into the database file once the writer yields', async () => {
    const { store, database } = openStore();
    await appendMany(store, 1, 'warm');
    const before = sizeOf(database);
    await appendMany(store, CHECKPOINT_AFTER_EVENTS + 1, 'due');
    await eventually(
      async () => sizeOf(database) > before,
      'the scheduled checkpoint to copy the WAL into the database file',
    );
    expect(await store.head()).toBe(CHECKPOINT_AFTER_EVENTS + 2);
    await store.close();
  });

  it('keeps the WAL bounded for a writer that never yields', async () => {
    const { store, wal } = openStore();
    const sizes: number[] = [];
    for (let round = 0; round < 10; round++) {
      await appendMany(store, 500, `round-${round}`);
      sizes.push(sizeOf(wal));
    }
    // 5,000 commits unchecked would leave over 100 MiB of WAL (about seven
    // pages each); the inline checkpoint lets it restart every 512 events.
    expect(Math.max(...sizes)).toBeLessThan(24 * 1024 * 1024);
    await store.close();
  });
});
