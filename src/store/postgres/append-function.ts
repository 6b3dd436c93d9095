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
 * trip and no lock of the whole log is held while a statement crosses the
 * network or a commit waits for the disk.
 *
 * Readers see an event only once every transaction that started writing
 * before it has ended (its `transaction_id` below the oldest running one), so
 * positions must be handed out in the order transaction ids are: both are
 * taken together, first thing, under a session lock released at once. An
 * event at position p then has a transaction id no lower than any event below
 * p, and a reader that sees p has every committed event below it in sight.
 *
 * A tenant guard needs every stream created before its positions to be
 * visible to its check: an append creating streams holds its tenants' locks
 * shared, a guarded append holds its tenant's exclusively, both taken before
 * the positions. Row locks come next, in a fixed order (streams sorted by id,
 * then keys sorted by scope and key, as the caller sends them), so two
 * appends never deadlock.
 */
export function appendFunctionSql({ quoted: s, appendLock, tenantLockClass }: SchemaNames): string {
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
  creating text;
  positions bigint[];
  event_count integer := coalesce(cardinality(p_event_ids), 0);
BEGIN
  -- A stream not at the expected version fails here, before any lock or position is taken.
  FOR i IN 1 .. coalesce(cardinality(p_stream_ids), 0) LOOP
    SELECT version INTO actual FROM ${s}.streams WHERE stream_id = p_stream_ids[i];
    IF coalesce(actual, 0) <> p_expected[i] THEN
      RAISE EXCEPTION 'stream % is not at version %', p_stream_ids[i], p_expected[i]
        USING ERRCODE = '${VERSION_CONFLICT_STATE}',
              DETAIL = json_build_object('streamId', p_stream_ids[i],
                'expected', p_expected[i], 'actual', coalesce(actual, 0))::text;
    END IF;
  END LOOP;

  IF event_count > 0 THEN
    IF p_guard_tenant IS NOT NULL THEN
      PERFORM pg_advisory_xact_lock(${tenantLockClass}, hashtext(p_guard_tenant));
    END IF;
    FOR creating IN
      SELECT DISTINCT t FROM unnest(p_tenant_ids, p_stream_versions) AS e(t, v)
       WHERE v = 1 AND t IS DISTINCT FROM p_guard_tenant ORDER BY t
    LOOP
      PERFORM pg_advisory_xact_lock_shared(${tenantLockClass}, hashtext(creating));
    END LOOP;
    -- Nothing above wrote, so the transaction has no id yet: it gets it here, with the positions.
    PERFORM pg_advisory_lock(${appendLock[0]}, ${appendLock[1]});
    BEGIN
      PERFORM pg_current_xact_id();
      SELECT array_agg(nextval(pg_get_serial_sequence('${s.replaceAll("'", "''")}.events', 'position')))
        INTO positions FROM generate_series(1, event_count);
    EXCEPTION WHEN OTHERS OR query_canceled THEN
      -- A session lock outlives the transaction: it must not outlive a cancelled one.
      PERFORM pg_advisory_unlock(${appendLock[0]}, ${appendLock[1]});
      RAISE;
    END;
    PERFORM pg_advisory_unlock(${appendLock[0]}, ${appendLock[1]});
  END IF;

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

  IF event_count = 0 THEN
    RETURN '{}';
  END IF;

  -- Under the tenant's exclusive lock every append that creates one of its
  -- streams with a lower position has committed, and this statement sees it.
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
  positions := ARRAY(SELECT p FROM unnest(positions) AS p ORDER BY p);
  INSERT INTO ${s}.events (position, event_id, type, schema_version, source_id, tenant_id,
                           stream_version, occurred_at, data, metadata)
    OVERRIDING SYSTEM VALUE
  SELECT positions[e.ord], e.event_id, e.type, e.schema_version, e.source_id, e.tenant_id,
         e.stream_version, e.occurred_at, e.data::json, e.metadata::json
    FROM unnest(p_event_ids, p_types, p_schema_versions, p_source_ids, p_tenant_ids,
                p_stream_versions, p_occurred_at, p_data, p_metadata)
         WITH ORDINALITY AS e(event_id, type, schema_version, source_id, tenant_id,
                              stream_version, occurred_at, data, metadata, ord);
  RETURN positions;
END
$fn$;`;
}
