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

/** A function's text as the server holds it; '' when the schema has no function of that name. */
export async function functionText(url: string, schema: string, name: string): Promise<string> {
  const [row] = await adminQuery<{ text: string }>(
    url,
    `SELECT pg_get_functiondef(p.oid) AS text FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1 AND p.proname = $2`,
    [schema, name],
  );
  return row?.text ?? '';
}

/**
 * SQL that writes function `name` again with each `[from, to]` replaced in
 * its text: the function as an earlier release wrote it, for an `undo` of
 * {@link logAtVersion}.
 */
export function rewriteFunction(
  quotedSchema: string,
  name: string,
  replacements: readonly (readonly [from: string, to: string])[],
): string {
  const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const text = replacements.reduce(
    (inner, [from, to]) => `replace(${inner}, ${literal(from)}, ${literal(to)})`,
    `pg_get_functiondef('${quotedSchema}.${name}'::regproc)`,
  );
  return `DO $do$ BEGIN EXECUTE ${text}; END $do$;`;
}
