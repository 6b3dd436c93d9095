import type { Pool, PoolClient } from 'pg';
import { DataSourceError, ErrorCode } from '../../domain/errors.js';
import { GENESIS_HASH } from '../chain.js';
import { APPEND_BATCH_V1_ARGUMENTS } from './append-batch-function.js';
import {
  APPEND_FUNCTION_V1_ARGUMENTS,
  APPEND_FUNCTION_V2_ARGUMENTS,
  appendFunctionSql,
} from './append-function.js';
import type { SchemaNames } from './names.js';
import { readFunctionSql } from './read-function.js';
import { SEAL_PAGE, sealPage } from './seal.js';

interface Migration {
  readonly version: number;
  readonly sql: (names: SchemaNames) => string;
  /** Work SQL cannot do, run after `sql` in the same transaction. */
  readonly afterSql?: (client: PoolClient, names: SchemaNames) => Promise<void>;
}

// Event data is json, not jsonb: json keeps the text as written, so key order,
// number spelling and "\u0000" in strings come back exactly as they went in.
// occurred_at is text for the same reason: the ISO string round-trips byte for byte.
const createTables: Migration = {
  version: 1,
  sql: ({ quoted: s }) => `
CREATE TABLE ${s}.events (
  position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id text NOT NULL,
  type text NOT NULL,
  schema_version integer NOT NULL,
  source_id text NOT NULL,
  tenant_id text NOT NULL,
  stream_version integer NOT NULL,
  occurred_at text NOT NULL,
  data json NOT NULL,
  metadata json NOT NULL,
  CONSTRAINT events_event_id_unique UNIQUE (event_id),
  CONSTRAINT events_stream_version_unique UNIQUE (source_id, stream_version)
);
CREATE INDEX events_tenant_position ON ${s}.events (tenant_id, position);
CREATE TABLE ${s}.streams (
  stream_id text PRIMARY KEY,
  version integer NOT NULL
);
CREATE TABLE ${s}.claims (
  scope text NOT NULL,
  key text NOT NULL,
  owner text NOT NULL,
  PRIMARY KEY (scope, key)
);`,
};

const createAppendFunction: Migration = { version: 2, sql: appendFunctionSql };

// The function took a tenant guard: two more arguments make a new overload, so the old one goes.
const addTenantGuard: Migration = {
  version: 3,
  sql: (names) =>
    `DROP FUNCTION IF EXISTS ${names.quoted}.append_events(${APPEND_FUNCTION_V1_ARGUMENTS});
${appendFunctionSql(names)}`,
};

// Appends stopped serializing through commit: a reader sees an event once every
// transaction older than its own has ended. Events already in the log were
// committed long ago, so transaction id 0 puts them in sight of every reader.
const addTransactionIds: Migration = {
  version: 4,
  sql: (names) =>
    `ALTER TABLE ${names.quoted}.events ADD COLUMN IF NOT EXISTS transaction_id xid8 NOT NULL DEFAULT '0';
ALTER TABLE ${names.quoted}.events ALTER COLUMN transaction_id SET DEFAULT pg_current_xact_id();
${appendFunctionSql(names)}`,
};

// The ids of the master keys whose secrets the log accepts, never the keys;
// apart from the events, since a key joining is not an event of any data
// source. A per-tenant data key, wrapped under one of these, would get a table
// of its own naming the ring key that wraps it.
const addKeyRing: Migration = {
  version: 5,
  sql: ({ quoted: s }) => `
CREATE TABLE IF NOT EXISTS ${s}.key_ring (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key_id text NOT NULL,
  added_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT key_ring_key_id_unique UNIQUE (key_id)
);`,
};

// How far each named subscription has handled the log; apart from the events,
// since a subscription moving on is not an event of any data source.
const addSubscriptionCheckpoints: Migration = {
  version: 6,
  sql: ({ quoted: s }) => `
CREATE TABLE IF NOT EXISTS ${s}.subscription_checkpoints (
  name text PRIMARY KEY,
  position bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);`,
};

// Each tenant's data key, wrapped under a master key of the ring, never in
// plaintext; apart from the events, so destroying one (a purge) rewrites no
// event and a copy of the events carries no key. A destroyed key keeps its
// row without the key, so its secrets read as purged, not as lost.
const addDataKeys: Migration = {
  version: 7,
  sql: ({ quoted: s }) => `
CREATE TABLE IF NOT EXISTS ${s}.data_keys (
  key_id text PRIMARY KEY,
  tenant_id text NOT NULL,
  wrapped_key text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  destroyed_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS data_keys_live_per_tenant
  ON ${s}.data_keys (tenant_id) WHERE wrapped_key IS NOT NULL;`,
};

// The newest snapshot of the fold of the log, in one row; apart from the
// events, since it is derived from them and may be thrown away at any time.
const addSnapshots: Migration = {
  version: 8,
  sql: ({ quoted: s }) => `
CREATE TABLE IF NOT EXISTS ${s}.snapshots (
  slot smallint PRIMARY KEY CHECK (slot = 1),
  position bigint NOT NULL,
  format text NOT NULL,
  chain_hash text,
  data bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);`,
};

// The hash chain. Appends commit side by side and cannot know the hash before
// theirs, so events are inserted unsealed and sealed after commit, in position
// order (see seal.ts); chain_head is how far. Events already in the log are
// sealed here, in JS, where the hash is computed the same way as everywhere.
const addHashChain: Migration = {
  version: 9,
  sql: ({ quoted: s }) => `
ALTER TABLE ${s}.events ADD COLUMN IF NOT EXISTS hash text;
CREATE TABLE IF NOT EXISTS ${s}.chain_head (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  position bigint NOT NULL,
  hash text NOT NULL
);
INSERT INTO ${s}.chain_head (position, hash) VALUES (0, '${GENESIS_HASH}') ON CONFLICT DO NOTHING;`,
  async afterSql(client, names) {
    while ((await sealPage(client, names)).sealed === SEAL_PAGE) {}
  },
};

// Appends check the data keys their secrets are sealed under, and a purge
// destroys its tenant's keys in its own append: two more arguments make new
// overloads, so the old ones go.
const addDataKeyChecks: Migration = {
  version: 10,
  sql: (names) =>
    `DROP FUNCTION IF EXISTS ${names.quoted}.append_events(${APPEND_FUNCTION_V2_ARGUMENTS});
DROP FUNCTION IF EXISTS ${names.quoted}.append_one(bigint[], ${APPEND_FUNCTION_V2_ARGUMENTS});
${appendFunctionSql(names)}`,
};

// The batch function takes its commands as arrays, not JSON: a new
// signature is a new overload, so the old one goes.
const addArrayBatches: Migration = {
  version: 11,
  sql: (names) =>
    `DROP FUNCTION IF EXISTS ${names.quoted}.append_batch(${APPEND_BATCH_V1_ARGUMENTS});
${appendFunctionSql(names)}`,
};

// A page read waits on the server for the log to become readable up to a
// position, instead of the client reading again.
const addReadFunction: Migration = { version: 12, sql: readFunctionSql };

// The page read's wait pauses longer the longer it waits.
const pauseLongerInReads: Migration = { version: 13, sql: readFunctionSql };

// An append that creates no stream and guards no tenant skips the tenant
// locks, and a single position is drawn from a sequence named in advance.
const leanerAppends: Migration = { version: 14, sql: appendFunctionSql };

/** The version that added the hash chain: for tests that take a log back to before it. */
export const HASH_CHAIN_VERSION = addHashChain.version;

const MIGRATIONS: readonly Migration[] = [
  createTables,
  createAppendFunction,
  addTenantGuard,
  addTransactionIds,
  addKeyRing,
  addSubscriptionCheckpoints,
  addDataKeys,
  addSnapshots,
  addHashChain,
  addDataKeyChecks,
  addArrayBatches,
  addReadFunction,
  pauseLongerInReads,
  leanerAppends,
];

/** The schema version this code writes; a database at a later one was written by a newer release. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Creates the schema's tables, or brings them up to {@link SCHEMA_VERSION}.
 * Instances starting together take turns under an advisory lock, so each
 * migration runs once; the applied versions are recorded in
 * `event_store_schema_version`, a name unlikely to meet an application's own
 * table when the store shares a schema such as `public`.
 */
export async function migrate(pool: Pool, names: SchemaNames): Promise<void> {
  const client = await pool.connect();
  // A checked-out client has no listener of the pool's; an error between statements must not crash.
  const ignore = () => {};
  client.on('error', ignore);
  let failure: unknown;
  try {
    await runMigrations(client, names);
  } catch (error) {
    failure = error;
    await client.query('ROLLBACK').catch(ignore);
    throw error;
  } finally {
    client.removeListener('error', ignore);
    client.release(failure instanceof Error ? failure : undefined);
  }
}

async function runMigrations(client: PoolClient, names: SchemaNames): Promise<void> {
  const s = names.quoted;
  await client.query('BEGIN');
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...names.migrationLock]);
  // Looked up before any CREATE, so a role without CREATE rights can use a schema made for it.
  const { rows: found } = await client.query<{ schema: boolean; table: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema,
            to_regclass($2) IS NOT NULL AS table`,
    [names.schema, `${s}.event_store_schema_version`],
  );
  if (!found[0]?.schema) await client.query(`CREATE SCHEMA ${s}`);
  if (!found[0]?.table) {
    await client.query(
      `CREATE TABLE ${s}.event_store_schema_version (
         version integer PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now())`,
    );
  }
  const { rows } = await client.query<{ version: number }>(
    `SELECT coalesce(max(version), 0) AS version FROM ${s}.event_store_schema_version`,
  );
  const current = rows[0]?.version ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new DataSourceError(
      `Schema ${names.schema} is at version ${current}; this release knows versions up to ${SCHEMA_VERSION}`,
      { code: ErrorCode.STORE_ERROR },
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    await client.query(migration.sql(names));
    await migration.afterSql?.(client, names);
    await client.query(`INSERT INTO ${s}.event_store_schema_version (version) VALUES ($1)`, [
      migration.version,
    ]);
  }
  await client.query('COMMIT');
}
