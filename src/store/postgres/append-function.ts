import type { SchemaNames } from './names.js';

/** SQLSTATE the append function raises when a stream is not at the expected version. */
export const VERSION_CONFLICT_STATE = 'DR001';
/** SQLSTATE the append function raises when a key is held by another owner. */
export const CLAIM_CONFLICT_STATE = 'DR002';
/** SQLSTATE the append function raises when a tenant gained a stream after the guard's position. */
export const TENANT_CONFLICT_STATE = 'DR003';

/** The argument types of the append function before it took a tenant guard, to drop it by. */
export const APPEND_FUNCTION_V1_ARGUMENTS =
  'text[], integer[], integer[], text[], text[], text[], text[], text[], text[], integer[], text[], text[], integer[], text[], text[], text[]';

/**
 * The whole append as one server-side function, so a command costs one round
 * trip and the append lock is held only while the events are inserted and
 * committed, never while the network carries a statement.
 *
 * Row locks come first and in a fixed order (streams sorted by id, then keys
 * sorted by scope and key, as the caller sends them), so two appends never
 * deadlock; the advisory lock is taken last, by which time nothing else is
 * awaited but the commit.
 */
export function appendFunctionSql({ quoted: s, channel, appendLock }: SchemaNames): string {
  return `
CREATE OR REPLACE FUNCTION ${s}.append_events(
  p_stream_ids text[], p_expected integer[], p_next integer[],
  p_key_actions text[], p_key_scopes text[], p_key_names text[], p_key_owners text[],
  p_event_ids text[], p_types text[], p_schema_versions integer[], p_source_ids text[],
  p_tenant_ids text[], p_stream_versions integer[], p_occurred_at text[],
  p_data text[], p_metadata text[], p_guard_tenant text, p_guard_position bigint
) RETURNS bigint[] LANGUAGE plpgsql AS $fn$
DECLARE
  affected integer;
  actual integer;
  holder text;
  created bigint;
  positions bigint[];
BEGIN
  FOR i IN 1 .. coalesce(cardinality(p_stream_ids), 0) LOOP
    IF p_expected[i] = 0 THEN
      -- A row at version 0 is a stream that does not exist yet.
      INSERT INTO ${s}.streams AS t (stream_id, version) VALUES (p_stream_ids[i], p_next[i])
        ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version WHERE t.version = 0;
    ELSE
      UPDATE ${s}.streams SET version = p_next[i]
        WHERE stream_id = p_stream_ids[i] AND version = p_expected[i];
    END IF;
    GET DIAGNOSTICS affected = ROW_COUNT;
    IF affected = 0 THEN
      SELECT version INTO actual FROM ${s}.streams WHERE stream_id = p_stream_ids[i];
      RAISE EXCEPTION 'stream % is not at version %', p_stream_ids[i], p_expected[i]
        USING ERRCODE = '${VERSION_CONFLICT_STATE}',
              DETAIL = json_build_object('streamId', p_stream_ids[i],
                'expected', p_expected[i], 'actual', coalesce(actual, 0))::text;
    END IF;
  END LOOP;

  FOR i IN 1 .. coalesce(cardinality(p_key_actions), 0) LOOP
    IF p_key_actions[i] = 'release' THEN
      DELETE FROM ${s}.claims
        WHERE scope = p_key_scopes[i] AND key = p_key_names[i] AND owner = p_key_owners[i];
    ELSE
      INSERT INTO ${s}.claims AS c (scope, key, owner)
        VALUES (p_key_scopes[i], p_key_names[i], p_key_owners[i])
        ON CONFLICT (scope, key) DO UPDATE SET owner = excluded.owner
        WHERE c.owner = excluded.owner;
      GET DIAGNOSTICS affected = ROW_COUNT;
      IF affected = 0 THEN
        SELECT owner INTO holder FROM ${s}.claims
          WHERE scope = p_key_scopes[i] AND key = p_key_names[i];
        RAISE EXCEPTION 'key % in scope % is held by another owner', p_key_names[i], p_key_scopes[i]
          USING ERRCODE = '${CLAIM_CONFLICT_STATE}',
                DETAIL = json_build_object('scope', p_key_scopes[i], 'key', p_key_names[i],
                  'owner', p_key_owners[i], 'heldBy', holder)::text;
      END IF;
    END IF;
  END LOOP;

  IF coalesce(cardinality(p_event_ids), 0) = 0 THEN
    RETURN '{}';
  END IF;

  PERFORM pg_advisory_xact_lock(${appendLock[0]}, ${appendLock[1]});
  -- Every append creates its streams under this lock, and each statement of a
  -- volatile function sees what committed before it: a stream created before
  -- the check is seen here, one created after waits for this commit.
  IF p_guard_tenant IS NOT NULL THEN
    SELECT position INTO created FROM ${s}.events
      WHERE tenant_id = p_guard_tenant AND position > p_guard_position AND stream_version = 1
      ORDER BY position LIMIT 1;
    IF created IS NOT NULL THEN
      RAISE EXCEPTION 'tenant % gained a stream after position %', p_guard_tenant, p_guard_position
        USING ERRCODE = '${TENANT_CONFLICT_STATE}',
              DETAIL = json_build_object('tenantId', p_guard_tenant,
                'position', p_guard_position, 'createdAt', created)::text;
    END IF;
  END IF;
  WITH inserted AS (
    INSERT INTO ${s}.events (event_id, type, schema_version, source_id, tenant_id,
                             stream_version, occurred_at, data, metadata)
    SELECT e.event_id, e.type, e.schema_version, e.source_id, e.tenant_id,
           e.stream_version, e.occurred_at, e.data::json, e.metadata::json
      FROM unnest(p_event_ids, p_types, p_schema_versions, p_source_ids, p_tenant_ids,
                  p_stream_versions, p_occurred_at, p_data, p_metadata)
           WITH ORDINALITY AS e(event_id, type, schema_version, source_id, tenant_id,
                                stream_version, occurred_at, data, metadata, ord)
     ORDER BY e.ord
    RETURNING position
  )
  SELECT array_agg(position ORDER BY position) INTO positions FROM inserted;
  -- Delivered on commit, and in commit order, which the lock makes position order.
  PERFORM pg_notify('${channel}', positions[cardinality(positions)]::text);
  RETURN positions;
END
$fn$;`;
}
