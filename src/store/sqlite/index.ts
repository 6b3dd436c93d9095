import { randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DataSourceError, ErrorCode, parseInput } from '../../domain/errors.js';
import { checkAppendRequest, storeError } from '../append-checks.js';
import { createAppendQueue } from '../append-queue.js';
import type { AppendOutcome, AppendRequest, CompleteEventStore } from '../event-store.js';
import { checkKeyIds } from '../key-ring.js';
import { checkSnapshot } from '../snapshots.js';
import { checkCheckpoint, checkSubscriptionName } from '../subscription-checkpoints.js';
import { createAppendOne } from './append-one.js';
import { createBatchAppend } from './batch-append.js';
import { createCheckpointer } from './checkpoints.js';
import { createSqliteDataKeys, dataKeyMethods, type SqliteDataKeys } from './data-keys.js';
import { notify } from './hub.js';
import { createSqliteKeyRing, type SqliteKeyRing } from './key-ring.js';
import { createNotificationFeed } from './notifications.js';
import { type SqliteEventStoreOptions, sqliteEventStoreOptionsSchema } from './options.js';
import { migrate } from './schema.js';
import { createSqliteSnapshots, type SqliteSnapshots } from './snapshots.js';
import { prepareStatements, type Statements, toStoredEvent } from './statements.js';
import {
  createSqliteSubscriptionCheckpoints,
  type SqliteSubscriptionCheckpoints,
} from './subscription-checkpoints.js';

/** The SQLite event store: one file, one writer at a time, any number of readers. */
export interface SqliteEventStore extends CompleteEventStore {
  readonly kind: 'sqlite';
  readonly filename: string;
  /** The connection's `synchronous` setting, read back from SQLite after opening. */
  readonly synchronous: 'normal' | 'full';
}

export type { SqliteEventStoreOptions } from './options.js';

const DEFAULT_POLL_INTERVAL_MS = 50;

/** Bytes the WAL file is truncated to when it restarts after a checkpoint. */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

/** The most commands one group commit takes. */
const MAX_BATCH = 256;

/** True for SQLite's "the database is locked" and its variants. */
const isBusy = (error: unknown) =>
  error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');

/**
 * Switches the file to WAL. On a new file that takes an exclusive lock which
 * SQLite does not wait for with its busy handler, so a second process
 * creating the same file at that moment would fail at once: wait for it
 * here, within the busy timeout, briefly blocking (opening is synchronous).
 */
function enableWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      // Already WAL (the mode persists in the file): nothing to lock.
      if (db.pragma('journal_mode', { simple: true }) === 'wal') return;
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

/** Opens the connection and sets it up; the pragmas are per connection, so every open sets them. */
function openDatabase(options: SqliteEventStoreOptions): Database.Database {
  const db = new Database(options.filename);
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    // An in-memory store keeps plaintext secrets (nothing durable to protect
    // them from); its temporary tables and sort spills must not reach a disk either.
    if (db.memory) db.pragma('temp_store = MEMORY');
    // In WAL mode a commit is complete once its frames are written to the WAL
    // file, which lives in the OS page cache when the process dies: kill -9
    // loses nothing acknowledged. synchronous=NORMAL only skips the fsync per
    // commit, so a power loss or OS crash can drop the latest commits, but
    // never tears or corrupts one. FULL adds that fsync.
    enableWal(db, options.busyTimeoutMs ?? 5000);
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    // Checkpoints run beside the commits instead of inside them (see checkpoints.ts);
    // the size limit gives the disk back after a large append once the WAL restarts.
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The connection's synchronous level as SQLite reports it (1 NORMAL, 2 FULL, 3 EXTRA). */
function synchronousOf(db: Database.Database): 'normal' | 'full' {
  const level = db.pragma('synchronous', { simple: true });
  if (level === 1) return 'normal';
  if (level === 2) return 'full';
  throw new Error(`SQLite reports synchronous level ${String(level)}, not NORMAL or FULL`);
}

/** Whom to notify: every store object of this process on the same file, whatever path it was opened by. */
function hubKey(db: Database.Database): string {
  return db.memory ? `memory:${randomUUID()}` : realpathSync(db.name);
}

/**
 * An event store in a SQLite file, the embedded durable default. It opens the
 * file synchronously and creates or migrates its tables on the way.
 *
 * Subscribers hear appends of every store object of this process on the same
 * file at once, and commits of other processes within `pollIntervalMs`.
 *
 * @throws DataSourceError INVALID_INPUT when an option is not valid (an empty
 * filename among them: use `":memory:"` for an in-memory store); STORE_ERROR
 * when the file cannot be opened or has a newer schema than this library knows.
 */
export function createSqliteEventStore(input: SqliteEventStoreOptions): SqliteEventStore {
  const options = parseInput(sqliteEventStoreOptionsSchema, input, 'SQLite event store options');
  let db: Database.Database;
  let sql: Statements;
  let key: string;
  let synchronous: 'normal' | 'full';
  let keyRing: SqliteKeyRing;
  let dataKeys: SqliteDataKeys;
  let checkpointTable: SqliteSubscriptionCheckpoints;
  let snapshotTable: SqliteSnapshots;
  try {
    db = openDatabase(options);
    sql = prepareStatements(db);
    keyRing = createSqliteKeyRing(db);
    // A purge's TRUNCATE checkpoint must not find the checkpointing thread holding the lock.
    dataKeys = createSqliteDataKeys(db, () => checkpoints.settle());
    checkpointTable = createSqliteSubscriptionCheckpoints(db);
    snapshotTable = createSqliteSnapshots(db);
    key = hubKey(db);
    synchronous = synchronousOf(db);
  } catch (error) {
    throw storeError(`Opening the SQLite event store ${options.filename}`, error);
  }
  const appendOne = createAppendOne(sql, dataKeys);
  const appendBatch = createBatchAppend(db, appendOne.append);
  /** One transaction for the batch; subscribers hear its last position. */
  function writeBatch(requests: readonly AppendRequest[]): AppendOutcome[] {
    const purges = requests.some((request) => request.destroysDataKeysOf !== undefined);
    const outcomes = run('SQLite append', () => {
      try {
        return purges ? dataKeys.shredding(() => appendBatch(requests)) : appendBatch(requests);
      } catch (error) {
        // Not committed: the chain's last link it kept may be one that was rolled back.
        appendOne.forget();
        throw error;
      }
    });
    let head = 0;
    let appended = 0;
    for (const outcome of outcomes) {
      if (!outcome.ok) continue;
      appended += outcome.events.length;
      head = Math.max(head, outcome.events.at(-1)?.position ?? 0);
    }
    checkpoints.committed(appended);
    if (head > 0) notify(key, head);
    return outcomes;
  }
  // Commands of this process reaching append in the same turn of the event loop share a commit.
  const groupCommit = createAppendQueue({
    store: 'sqlite',
    write: async (requests) => writeBatch(requests),
    maxBatch: MAX_BATCH,
    concurrency: 1,
    gather: true,
  });
  let open = true;
  const checkpoints = createCheckpointer(db, (error) =>
    options.onError?.(storeError('Checkpointing the SQLite event store', error)),
  );
  const feed = createNotificationFeed({
    hubKey: key,
    dataVersion: () => sql.dataVersion.get() ?? 0,
    head: () => sql.head.get() ?? 0,
    pollIntervalMs: db.memory ? null : (options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS),
    onError: (error) => options.onError?.(storeError('Following the SQLite event store', error)),
  });

  function ensureOpen(what: string): void {
    if (!open) {
      throw new DataSourceError(`${what} failed: the SQLite event store is closed`, {
        code: ErrorCode.STORE_ERROR,
      });
    }
  }

  /** Runs a driver call, with every failure as a DataSourceError and none after close. */
  function run<T>(what: string, call: () => T): T {
    ensureOpen(what);
    try {
      return call();
    } catch (error) {
      throw storeError(what, error);
    }
  }

  return {
    kind: 'sqlite',
    durable: !db.memory,
    filename: options.filename,
    synchronous,
    async append(request) {
      run('SQLite append', () => checkAppendRequest(request));
      if (request.events.length === 0) return [];
      return groupCommit(request);
    },
    async appendBatch(requests) {
      return writeBatch(requests);
    },
    async readAll({ after = 0, tenantId, limit } = {}) {
      return run('SQLite readAll', () => {
        const max = limit ?? -1;
        const rows =
          tenantId === undefined
            ? sql.readAll.all(after, max)
            : sql.readTenant.all(after, tenantId, max);
        return rows.map(toStoredEvent);
      });
    },
    async readStream(streamId) {
      return run('SQLite readStream', () => sql.readStream.all(streamId).map(toStoredEvent));
    },
    async head() {
      return run('SQLite head', () => sql.head.get() ?? 0);
    },
    async pinKeyRing(keyIds) {
      ensureOpen('SQLite key ring');
      // Bad ids are the caller's INVALID_INPUT, not a store failure.
      checkKeyIds(keyIds);
      return run('SQLite key ring', () => keyRing.pin(keyIds));
    },
    async addToKeyRing(keyId) {
      ensureOpen('SQLite key ring');
      checkKeyIds([keyId]);
      return run('SQLite key ring', () => keyRing.add(keyId));
    },
    ...dataKeyMethods(dataKeys, (call) => run('SQLite data keys', call)),
    async readCheckpoint(name) {
      ensureOpen('SQLite checkpoint');
      checkSubscriptionName(name);
      return run('SQLite checkpoint', () => checkpointTable.read(name));
    },
    async storeCheckpoint(name, position) {
      ensureOpen('SQLite checkpoint');
      checkCheckpoint(name, position);
      run('SQLite checkpoint', () => checkpointTable.store(name, position));
    },
    async readSnapshot() {
      return run('SQLite snapshot', () => snapshotTable.read());
    },
    async storeSnapshot(snapshot) {
      ensureOpen('SQLite snapshot');
      const checked = checkSnapshot(snapshot);
      run('SQLite snapshot', () => snapshotTable.store(checked));
    },
    subscribe(listener) {
      ensureOpen('SQLite subscribe');
      return feed.subscribe(listener);
    },
    async close() {
      if (!open) return;
      open = false;
      feed.close();
      try {
        // The other thread's connection first, so this one, the last, checkpoints and removes the WAL.
        await checkpoints.close();
        db.close();
      } catch (error) {
        throw storeError('Closing the SQLite event store', error);
      }
    },
  };
}
