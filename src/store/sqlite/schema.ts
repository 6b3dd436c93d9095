import type { Database } from 'better-sqlite3';
import { DataSourceError, ErrorCode } from '../../domain/errors.js';
import { chainExistingEvents } from './chain-existing.js';

/**
 * The schema, one migration per version. A migration is never edited once
 * released: a change to the tables is a new entry at the end.
 */
// The hash chain: every event's hash over its content and the hash before
// it. Events already in the log are chained here, in position order.
function addHashChain(db: Database): void {
  // Idempotent, as the other entries are (IF NOT EXISTS): SQLite has no ADD COLUMN IF NOT EXISTS.
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(events)').all();
  if (!columns.some((column) => column.name === 'hash')) {
    db.exec('ALTER TABLE events ADD COLUMN hash TEXT');
  }
  chainExistingEvents(db);
}

const MIGRATIONS: readonly (string | ((db: Database) => void))[] = [
  `
  -- AUTOINCREMENT (not a plain rowid) so a position is never handed out twice,
  -- even after the last events were deleted by hand.
  CREATE TABLE events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    source_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    stream_version INTEGER NOT NULL,
    occurred_at TEXT NOT NULL,
    data TEXT NOT NULL,
    metadata TEXT NOT NULL,
    UNIQUE (source_id, stream_version)
  );
  CREATE INDEX events_by_tenant ON events (tenant_id, position);
  CREATE TABLE streams (
    stream_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE claims (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    owner TEXT NOT NULL,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  `,
  `
  -- The ids of the master keys whose secrets the log accepts, never the keys.
  -- Apart from the events: a key joining is not an event of any data source.
  -- A per-tenant data key, wrapped under one of these, would get a table of
  -- its own naming the ring key that wraps it.
  CREATE TABLE IF NOT EXISTS key_ring (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id TEXT NOT NULL UNIQUE,
    added_at TEXT NOT NULL
  );
  `,
  `
  -- How far each named subscription has handled the log. Apart from the
  -- events: a subscription moving on is not an event of any data source.
  CREATE TABLE IF NOT EXISTS subscription_checkpoints (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    updated_at TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  -- Each tenant's data key, wrapped under a master key of the ring, never in
  -- plaintext. Apart from the events: destroying a key (a purge) rewrites no
  -- event, and a copy of the events carries no key. A destroyed key keeps its
  -- row without the key, so its secrets read as purged, not as lost.
  CREATE TABLE IF NOT EXISTS data_keys (
    key_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    wrapped_key TEXT,
    created_at TEXT NOT NULL,
    destroyed_at TEXT
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX IF NOT EXISTS data_keys_live_per_tenant
    ON data_keys (tenant_id) WHERE wrapped_key IS NOT NULL;
  `,
  `
  -- The newest snapshot of the fold of the log, in one row. Apart from the
  -- events: it is derived from them and may be thrown away at any time.
  CREATE TABLE IF NOT EXISTS snapshots (
    slot INTEGER PRIMARY KEY CHECK (slot = 1),
    position INTEGER NOT NULL,
    format TEXT NOT NULL,
    chain_hash TEXT,
    data BLOB NOT NULL,
    created_at TEXT NOT NULL
  );
  `,
  addHashChain,
];

/** The version that added the hash chain: for tests that take a log back to before it. */
export const HASH_CHAIN_VERSION = MIGRATIONS.indexOf(addHashChain) + 1;

/** The schema version this library writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Creates the tables or brings them up to {@link SCHEMA_VERSION}. It runs in
 * one immediate transaction, so two processes opening a new file at once do
 * not both create it: the second waits, then finds it up to date.
 */
export function migrate(db: Database): void {
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      applied_at TEXT NOT NULL
    )`);
    const row = db
      .prepare<[], { version: number | null }>(
        'SELECT MAX(version) AS version FROM schema_migrations',
      )
      .get();
    const current = row?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new DataSourceError(
        `The SQLite event store has schema version ${current}, this library knows up to ${SCHEMA_VERSION}: upgrade the library`,
        { code: ErrorCode.STORE_ERROR, details: { schemaVersion: current } },
      );
    }
    const record = db.prepare<[number, string]>(
      'INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)',
    );
    MIGRATIONS.slice(current).forEach((migration, i) => {
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
      record.run(current + i + 1, new Date().toISOString());
    });
  }).immediate();
}
