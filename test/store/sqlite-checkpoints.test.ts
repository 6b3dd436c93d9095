/**
 * The SQLite store checkpoints its WAL on another thread rather than inside
 * a commit, and keeps the WAL bounded even for a writer that never yields
 * to the event loop.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_AFTER_EVENTS,
  CHECKPOINT_INLINE_EVENTS,
  CHECKPOINT_WAIT_EVENTS,
} from '../../src/store/sqlite/checkpoints.js';
import { createSqliteEventStore, type SqliteEventStore } from '../../src/store/sqlite/index.js';
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

/** Blocks this thread, never yielding to the event loop, until `done` or five seconds. */
function blockUntil(done: () => boolean): boolean {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 5_000;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    Atomics.wait(pause, 0, 0, 5);
  }
  return true;
}

describe('SQLite checkpoints', () => {
  it('checkpoints on another thread while the writer never yields to the event loop', async () => {
    const { store, database } = openStore();
    await appendMany(store, 1, 'warm');
    const before = sizeOf(database);
    // Below the inline threshold this thread never checkpoints, and SQLite's
    // automatic checkpoint, inside a commit, is off: only the other thread can copy.
    await appendMany(store, CHECKPOINT_AFTER_EVENTS + 1, 'due');
    expect(CHECKPOINT_AFTER_EVENTS + 2).toBeLessThan(CHECKPOINT_INLINE_EVENTS);
    expect(blockUntil(() => sizeOf(database) > before)).toBe(true);
    expect(await store.head()).toBe(CHECKPOINT_AFTER_EVENTS + 2);
    await store.close();
  });

  it('leaves no WAL behind once closed after the other thread checkpointed', async () => {
    const { store, database, wal } = openStore();
    await appendMany(store, CHECKPOINT_AFTER_EVENTS + 1, 'due');
    const before = sizeOf(database);
    await appendMany(store, CHECKPOINT_AFTER_EVENTS, 'again');
    expect(blockUntil(() => sizeOf(database) > before)).toBe(true);
    // The other thread's connection closes first, so this one is the last and removes the WAL.
    await store.close();
    expect(existsSync(wal)).toBe(false);
  });

  it('keeps the WAL bounded for a writer that never yields', async () => {
    const { store, wal } = openStore();
    // Fewer commits than the other thread is asked to copy after: the WAL holds them all.
    const measured = CHECKPOINT_AFTER_EVENTS - 1;
    await appendMany(store, measured, 'measure');
    const perCommit = sizeOf(wal) / measured;
    const sizes: number[] = [];
    for (let round = 0; round < 10; round++) {
      await appendMany(store, 1_000, `round-${round}`);
      sizes.push(sizeOf(wal));
    }
    // The committing call restarts the WAL once the other thread is idle after
    // CHECKPOINT_INLINE_EVENTS, and waits for it after CHECKPOINT_WAIT_EVENTS;
    // under load the thread may still be copying at the first mark, and may
    // outlast the wait once. Unchecked, these 10,000 commits would leave a WAL
    // more than twice the bound.
    expect(Math.max(...sizes)).toBeLessThan(perCommit * 2 * CHECKPOINT_WAIT_EVENTS);
    await store.close();
  });
});
