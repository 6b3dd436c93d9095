import { randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DataSourceError, ErrorCode } from '../../domain/errors.js';
import { deepFreeze } from '../../domain/freeze.js';
import {
  checkAppendRequest,
  claimConflict,
  storeError,
  tenantConflict,
  versionConflict,
} from '../append-checks.js';
import type { AppendRequest, EventStore, StoredEvent } from '../event-store.js';
import { listen, notify } from './hub.js';
import { migrate } from './schema.js';
import { eventParams, prepareStatements, type Statements, toStoredEvent } from './statements.js';

/** Options of {@link createSqliteEventStore}. */
export interface SqliteEventStoreOptions {
  /** The database file; created with its tables when it does not exist. `":memory:"` for a private, non-durable one. */
  readonly filename: string;
  /**
   * `"normal"` (default): an acknowledged append survives the process being
   * killed; a power loss or OS crash may lose the last few, never corrupt the
   * file. `"full"`: every append is fsynced, so it survives a power loss too,
   * at the price of one disk flush per append.
   */
  readonly synchronous?: 'normal' | 'full';
  /** How long to wait for another process writing the same file before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

/** The SQLite event store: one file, one writer at a time, any number of readers. */
export interface SqliteEventStore extends EventStore {
  readonly kind: 'sqlite';
  readonly filename: string;
}

const claimId = (scope: string, key: string) => `${scope}\u0000${key}`;

/** Opens the connection and sets it up; the pragmas are per connection, so every open sets them. */
function openDatabase(options: SqliteEventStoreOptions): Database.Database {
  const db = new Database(options.filename);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    // In WAL mode a commit is complete once its frames are written to the WAL
    // file, which lives in the OS page cache when the process dies: kill -9
    // loses nothing acknowledged. synchronous=NORMAL only skips the fsync per
    // commit, so a power loss or OS crash can drop the latest commits, but
    // never tears or corrupts one. FULL adds that fsync.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Whom to notify: every store object of this process on the same file, whatever path it was opened by. */
function hubKey(db: Database.Database): string {
  return db.memory ? `memory:${randomUUID()}` : realpathSync(db.name);
}

function appendInTransaction(sql: Statements, request: AppendRequest): StoredEvent[] {
  for (const [streamId, expected] of Object.entries(request.expectedVersions)) {
    const actual = sql.streamVersion.get(streamId) ?? 0;
    if (actual !== expected) throw versionConflict(streamId, expected, actual);
  }
  // The transaction is IMMEDIATE: no other writer can create a stream between this check and the commit.
  const guard = request.tenantUnchanged;
  if (guard) {
    const created = sql.streamCreatedAfter.get(guard.tenantId, guard.position);
    if (created !== undefined) throw tenantConflict(guard, created);
  }
  // Every claim is checked before any is changed, as in the memory store; the
  // transaction would roll back anyway, but this keeps the two readable side by side.
  const released = new Map<string, { scope: string; key: string }>();
  for (const release of request.releases ?? []) {
    if (sql.claimOwner.get(release.scope, release.key) === release.owner) {
      released.set(claimId(release.scope, release.key), release);
    }
  }
  for (const claim of request.claims ?? []) {
    const owner = sql.claimOwner.get(claim.scope, claim.key);
    const free = owner === undefined || released.has(claimId(claim.scope, claim.key));
    if (!free && owner !== claim.owner) throw claimConflict(claim, owner);
  }
  for (const release of released.values()) sql.deleteClaim.run(release.scope, release.key);
  for (const claim of request.claims ?? []) sql.setClaim.run(claim.scope, claim.key, claim.owner);

  const versions = new Map<string, number>();
  const stored = request.events.map((event) => {
    const { lastInsertRowid } = sql.insertEvent.run(...eventParams(event));
    versions.set(event.sourceId, event.streamVersion);
    return deepFreeze({ ...event, position: Number(lastInsertRowid) });
  });
  for (const [streamId, version] of versions) sql.setStreamVersion.run(streamId, version);
  return stored;
}

/**
 * An event store in a SQLite file, the embedded durable default. It opens the
 * file synchronously and creates or migrates its tables on the way.
 *
 * @throws DataSourceError STORE_ERROR when the file cannot be opened or has a
 * newer schema than this library knows.
 */
export function createSqliteEventStore(options: SqliteEventStoreOptions): SqliteEventStore {
  let db: Database.Database;
  let sql: Statements;
  let key: string;
  try {
    db = openDatabase(options);
    sql = prepareStatements(db);
    key = hubKey(db);
  } catch (error) {
    throw storeError(`Opening the SQLite event store ${options.filename}`, error);
  }
  const appendTransaction = db.transaction((request: AppendRequest) =>
    appendInTransaction(sql, request),
  );
  const unsubscribers = new Set<() => void>();
  let open = true;

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
    async append(request) {
      return run('SQLite append', () => {
        checkAppendRequest(request);
        if (request.events.length === 0) return [];
        // IMMEDIATE takes the write lock at BEGIN: two processes then queue on
        // busy_timeout instead of one failing when it upgrades a read lock.
        const stored = appendTransaction.immediate(request);
        const head = stored.at(-1)?.position ?? 0;
        notify(key, head);
        return stored;
      });
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
    subscribe(listener) {
      ensureOpen('SQLite subscribe');
      const stop = listen(key, listener);
      unsubscribers.add(stop);
      return () => {
        unsubscribers.delete(stop);
        stop();
      };
    },
    async close() {
      if (!open) return;
      open = false;
      for (const stop of unsubscribers) stop();
      unsubscribers.clear();
      try {
        db.close();
      } catch (error) {
        throw storeError('Closing the SQLite event store', error);
      }
    },
  };
}
