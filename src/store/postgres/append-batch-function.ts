import type { SchemaNames } from './names.js';

/** The argument types of the batch function when it took its commands as JSON, to drop it by. */
export const APPEND_BATCH_V1_ARGUMENTS = 'json';

/**
 * The batch function's arguments, in order: how many streams, keys, events
 * and sealing keys each command has, then those of every command one after
 * the other, then one value per command.
 */
const APPEND_BATCH_ARGUMENTS = `p_stream_counts integer[], p_key_counts integer[],
  p_event_counts integer[], p_sealed_counts integer[],
  p_stream_ids text[], p_expected integer[], p_next integer[],
  p_key_actions text[], p_key_scopes text[], p_key_names text[], p_key_owners text[],
  p_event_ids text[], p_types text[], p_schema_versions integer[], p_source_ids text[],
  p_tenant_ids text[], p_stream_versions integer[], p_occurred_at text[],
  p_data text[], p_metadata text[], p_sealed_under text[],
  p_guard_tenants text[], p_guard_positions bigint[], p_destroy_keys_of text[]`;

/**
 * A batch: one transaction, each command in its own subtransaction, so a
 * command that fails is rolled back alone and the others still commit.
 *
 * The commands come as columns, each the concatenation of every command's
 * array, and the counts that cut them apart again: PostgreSQL parses an array
 * once, where a JSON document would be walked again for every field of every
 * command. The tenants of the whole batch are locked and its positions taken
 * at once, before any command runs. Returns the batch's positions, in command
 * order (a failed command's are a gap), and for each command that failed
 * (`failed`, counting from 1) its SQLSTATE, detail, constraint and message.
 */
export function appendBatchSql({ quoted: s }: SchemaNames): string {
  // A slice of one command's part of a column: [from + 1 : from + count].
  const part = (column: string, from: string, count: string) =>
    `${column}[${from} + 1 : ${from} + ${count}[c]]`;
  const streams = (column: string) => part(column, 'stream_from', 'p_stream_counts');
  const keys = (column: string) => part(column, 'key_from', 'p_key_counts');
  const events = (column: string) => part(column, 'event_from', 'p_event_counts');
  return `
CREATE OR REPLACE FUNCTION ${s}.append_batch(${APPEND_BATCH_ARGUMENTS},
  OUT positions bigint[], OUT failed integer[], OUT states text[], OUT details text[],
  OUT constraint_names text[], OUT messages text[])
LANGUAGE plpgsql AS $fn$
DECLARE
  stream_from integer := 0;
  key_from integer := 0;
  event_from integer := 0;
  sealed_from integer := 0;
  state text;
  detail text;
  constraint_name text;
  message text;
BEGIN
  positions := '{}';
  failed := '{}';
  states := '{}';
  details := '{}';
  constraint_names := '{}';
  messages := '{}';
  PERFORM ${s}.lock_tenants(
    ARRAY(SELECT g.tenant FROM unnest(p_guard_tenants, p_event_counts) AS g(tenant, event_count)
           WHERE g.event_count > 0),
    ARRAY(SELECT e.tenant FROM unnest(p_tenant_ids, p_stream_versions) AS e(tenant, version)
           WHERE e.version = 1));
  IF coalesce(cardinality(p_event_ids), 0) > 0 THEN
    positions := ${s}.take_positions(cardinality(p_event_ids));
  END IF;
  FOR c IN 1 .. coalesce(cardinality(p_event_counts), 0) LOOP
    BEGIN
      PERFORM ${s}.append_one(${events('positions')},
        ${streams('p_stream_ids')}, ${streams('p_expected')}, ${streams('p_next')},
        ${keys('p_key_actions')}, ${keys('p_key_scopes')}, ${keys('p_key_names')},
        ${keys('p_key_owners')},
        ${events('p_event_ids')}, ${events('p_types')}, ${events('p_schema_versions')},
        ${events('p_source_ids')}, ${events('p_tenant_ids')}, ${events('p_stream_versions')},
        ${events('p_occurred_at')}, ${events('p_data')}, ${events('p_metadata')},
        p_guard_tenants[c], p_guard_positions[c],
        ${part('p_sealed_under', 'sealed_from', 'p_sealed_counts')}, p_destroy_keys_of[c]);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, detail = PG_EXCEPTION_DETAIL,
        constraint_name = CONSTRAINT_NAME, message = MESSAGE_TEXT;
      failed := failed || c;
      states := states || state;
      details := details || detail;
      constraint_names := constraint_names || constraint_name;
      messages := messages || message;
    END;
    stream_from := stream_from + p_stream_counts[c];
    key_from := key_from + p_key_counts[c];
    event_from := event_from + p_event_counts[c];
    sealed_from := sealed_from + p_sealed_counts[c];
  END LOOP;
END
$fn$;`;
}
