/**
 * Logs as an older release left them, for the tests of each PostgreSQL
 * migration: written by this release, then taken back to an earlier schema
 * version, its later migrations forgotten and their changes undone by hand.
 */
import type { EventStore } from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { adminQuery } from './postgres.js';

/**
 * Writes a log in `schema` with `write`, then takes it back to `version`:
 * every later migration is forgotten, and `undo` (SQL, given the quoted
 * schema) removes what they made.
 */
export async function logAtVersion(
  url: string,
  schema: string,
  version: number,
  write: (store: EventStore) => Promise<unknown>,
  undo: (quotedSchema: string) => string,
): Promise<void> {
  const store = createPostgresEventStore({ connectionString: url, schema });
  try {
    await write(store);
  } finally {
    await store.close();
  }
  const s = quoteIdentifier(schema);
  await adminQuery(url, `DELETE FROM ${s}.event_store_schema_version WHERE version > $1`, [
    version,
  ]);
  await adminQuery(url, undo(s));
}

/** The newest schema version the log records as applied. */
export async function recordedVersion(url: string, schema: string): Promise<number | undefined> {
  const rows = await adminQuery<{ version: number }>(
    url,
    `SELECT max(version) AS version FROM ${quoteIdentifier(schema)}.event_store_schema_version`,
  );
  return rows[0]?.version;
}
