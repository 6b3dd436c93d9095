import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import type { EventStore } from '../../src/store/event-store.js';
import { createSqliteEventStore, type SqliteEventStore } from '../../src/store/sqlite/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/schema.js';
import { detailsOf } from '../support/error-details.js';
import {
  describeEventStoreConformance,
  type EventStoreFactory,
  pendingEvent,
  streamAppend,
} from './conformance.js';

function temporaryDirectories() {
  const made: string[] = [];
  return {
    make(): string {
      const dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
      made.push(dir);
      return dir;
    },
    removeAll(): void {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Each test's store in a file of its own, reopened by name; the files go after the test. */
function sqliteFactory(synchronous: 'normal' | 'full'): EventStoreFactory {
  const dirs = temporaryDirectories();
  const filenames = new WeakMap<EventStore, string>();
  const openAt = (filename: string) => {
    const store = createSqliteEventStore({ filename, synchronous });
    filenames.set(store, filename);
    return store;
  };
  return {
    async create() {
      return openAt(join(dirs.make(), 'events.db'));
    },
    async reopen(previous) {
      const filename = filenames.get(previous);
      if (filename === undefined) throw new Error('The store to reopen was not opened here');
      return openAt(filename);
    },
    async cleanup() {
      dirs.removeAll();
    },
  };
}

describeEventStoreConformance('sqlite', sqliteFactory('normal'));
describeEventStoreConformance('sqlite with synchronous full', sqliteFactory('full'));

describe('SQLite event store', () => {
  const dirs = temporaryDirectories();
  const stores: SqliteEventStore[] = [];
  let filename: string;

  function open(name = filename): SqliteEventStore {
    const store = createSqliteEventStore({ filename: name });
    stores.push(store);
    return store;
  }

  async function failure(promise: Promise<unknown>): Promise<DataSourceError> {
    const error = await promise.then(
      () => expect.unreachable('expected a failure'),
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(DataSourceError);
    return error as DataSourceError;
  }

  beforeEach(() => {
    filename = join(dirs.make(), 'events.db');
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    dirs.removeAll();
  });

  it('describes itself as a durable sqlite store', () => {
    const store = open();
    expect(store.kind).toBe('sqlite');
    expect(store.durable).toBe(true);
  });

  it('is not durable when opened in memory', () => {
    expect(open(':memory:').durable).toBe(false);
  });

  it('puts the file in WAL journal mode', () => {
    open();
    const db = new Database(filename, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('records the schema version once, however often the file is opened', async () => {
    await open().close();
    open();
    const db = new Database(filename, { readonly: true });
    const versions = db.prepare('SELECT version FROM schema_migrations').pluck().all();
    db.close();
    expect(versions).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
  });

  it('refuses a file whose schema is newer than it knows with STORE_ERROR', async () => {
    await open().close();
    const db = new Database(filename);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
      SCHEMA_VERSION + 1,
      new Date().toISOString(),
    );
    db.close();
    expect(() => open()).toThrow(expect.objectContaining({ code: ErrorCode.STORE_ERROR }));
  });

  it('fails to open a file it cannot create with STORE_ERROR', () => {
    const directory = join(dirs.make(), 'a-directory');
    mkdirSync(directory);
    expect(() => open(directory)).toThrow(expect.objectContaining({ code: ErrorCode.STORE_ERROR }));
  });

  it('turns a driver failure into STORE_ERROR with the driver error as cause', async () => {
    const store = open();
    const [event] = await store.append(streamAppend('s1', 0));
    const duplicate = pendingEvent({ sourceId: 's2', streamVersion: 1 });
    const error = await failure(
      store.append({
        events: [{ ...duplicate, eventId: event?.eventId ?? '' }],
        expectedVersions: { s2: 0 },
      }),
    );
    expect(error.code).toBe(ErrorCode.STORE_ERROR);
    expect((error.cause as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
    expect(await store.readStream('s2')).toEqual([]);
  });

  it('fails every call after close with STORE_ERROR', async () => {
    const store = open();
    await store.close();
    for (const call of [
      () => store.append(streamAppend('s1', 0)),
      () => store.readAll(),
      () => store.readStream('s1'),
      () => store.head(),
    ]) {
      expect((await failure(call())).code).toBe(ErrorCode.STORE_ERROR);
    }
    expect(() => store.subscribe(() => {})).toThrow(
      expect.objectContaining({ code: ErrorCode.STORE_ERROR }),
    );
  });

  it('treats a second close as a no-op', async () => {
    const store = open();
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('lets two stores on one file see and refuse each other’s appends', async () => {
    const first = open();
    const second = open();
    await first.append(streamAppend('s1', 0, 2));
    expect(await second.readStream('s1')).toHaveLength(2);
    const error = await failure(second.append(streamAppend('s1', 0)));
    expect(detailsOf(error).reason).toBe('version');
  });

  it('notifies the subscribers of every store on the same file', async () => {
    const writer = open();
    const reader = open();
    const heard = new Promise<number>((resolve) => reader.subscribe(resolve));
    await writer.append(streamAppend('s1', 0, 3));
    expect(await heard).toBe(3);
  });

  it('notifies stores that opened the same file through another path', async () => {
    const link = join(dirs.make(), 'link.db');
    await open().close();
    symlinkSync(filename, link);
    const reader = open(link);
    const heard = new Promise<number>((resolve) => reader.subscribe(resolve));
    await open().append(streamAppend('s1', 0));
    expect(await heard).toBe(1);
  });

  it('does not notify stores on another file', async () => {
    const other = open(join(dirs.make(), 'other.db'));
    const heard: number[] = [];
    other.subscribe((head) => heard.push(head));
    const own = new Promise<number>((resolve) => open().subscribe(resolve));
    await open().append(streamAppend('s1', 0));
    await own;
    expect(heard).toEqual([]);
  });

  it('stops notifying the listeners of a closed store', async () => {
    const closed = open();
    const heard: number[] = [];
    closed.subscribe((head) => heard.push(head));
    await closed.close();
    const writer = open();
    const own = new Promise<number>((resolve) => writer.subscribe(resolve));
    await writer.append(streamAppend('s1', 0));
    await own;
    expect(heard).toEqual([]);
  });
});
