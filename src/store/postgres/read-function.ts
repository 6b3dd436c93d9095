import { EVENT_COLUMNS } from '../event-row.js';
import type { SchemaNames } from './names.js';
import { VISIBLE } from './read.js';

/**
 * Where a page read waits, as a server-side function: `read_page` reads the
 * events after a position once the log is readable up to `p_wait_for` (or
 * `p_wait_ms` have passed), with the heads seen by the same snapshot.
 *
 * An append resolves at its commit, but becomes readable only once every
 * older append has ended too. A store that reads its own appends right away
 * waited for them with a read, a pause and another read: with eight writers
 * about one read in two came back short, and every read crossed the network
 * twice. Here the wait costs no round trip: each statement of a PL/pgSQL
 * function takes a new snapshot, so the function looks again after each
 * pause, and the page it returns is read by the snapshot that saw the log
 * readable. The pause starts at 0.2 ms and doubles up to 2 ms: a read that
 * waits long (another writer's append held open) would otherwise run its
 * check thousands of times a second on a server the writers need.
 */
export function readFunctionSql({ quoted: s }: SchemaNames): string {
  const heads = `(SELECT coalesce(max(position), 0) FROM ${s}.events),
      (SELECT coalesce(max(position), 0) FROM ${s}.events WHERE ${VISIBLE})`;
  const columns = EVENT_COLUMNS.split(', ')
    .map((column) => `e.${column}`)
    .join(', ');
  // The tenant's page has its own statement: one plan for both would scan the
  // whole log past p_after for a tenant's few events.
  const page = (tenant: string) => `
    RETURN QUERY SELECT h.committed_head, h.visible_head, ${columns}
      FROM (SELECT ${heads}) AS h(committed_head, visible_head)
      LEFT JOIN LATERAL (SELECT * FROM ${s}.events
        WHERE position > p_after AND ${VISIBLE}${tenant}
        ORDER BY position LIMIT p_limit) AS e ON true
      ORDER BY e.position;`;
  return `
CREATE OR REPLACE FUNCTION ${s}.read_page(p_after bigint, p_tenant text, p_limit bigint,
  p_wait_for bigint, p_wait_ms integer)
RETURNS TABLE (committed_head bigint, visible_head bigint, "position" bigint, event_id text,
  type text, schema_version integer, source_id text, tenant_id text, stream_version integer,
  occurred_at text, data json, metadata json, hash text)
LANGUAGE plpgsql AS $fn$
-- The result's names are also columns of events; in the queries they mean the columns.
#variable_conflict use_column
DECLARE
  deadline timestamptz := clock_timestamp() + p_wait_ms * interval '1 millisecond';
  pause double precision := 0.0002;
BEGIN
  WHILE p_wait_for > 0 AND clock_timestamp() < deadline AND (
    SELECT coalesce(max(position), 0) FROM ${s}.events
      WHERE position <= p_wait_for AND ${VISIBLE}) < p_wait_for LOOP
    PERFORM pg_sleep(pause);
    pause := least(pause * 2, 0.002);
  END LOOP;
  IF p_tenant IS NULL THEN${page('')}
  ELSE${page(' AND tenant_id = p_tenant')}
  END IF;
END
$fn$;`;
}
