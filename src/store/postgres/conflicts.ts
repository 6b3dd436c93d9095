import type { Pool } from 'pg';
import type { DataSourceError } from '../../domain/errors.js';
import { claimConflict, versionConflict } from '../append-checks.js';
import type { AppendRequest } from '../event-store.js';
import type { SchemaNames } from './names.js';

/**
 * Reads the streams and keys an append touched and names the first one that
 * would refuse it now: how a unique violation or a deadlock is reported as the
 * conflict it is rather than as a driver error. Undefined when none would.
 * Versions come from the events themselves, the log being the last word.
 */
export async function findConflict(
  pool: Pool,
  names: SchemaNames,
  request: AppendRequest,
): Promise<DataSourceError | undefined> {
  const s = names.quoted;
  const streamIds = Object.keys(request.expectedVersions);
  const { rows: streams } = await pool.query<{ stream_id: string; version: number }>(
    `SELECT source_id AS stream_id, max(stream_version) AS version
       FROM ${s}.events WHERE source_id = ANY($1) GROUP BY source_id`,
    [streamIds],
  );
  const versions = new Map(streams.map((row) => [row.stream_id, row.version]));
  for (const [streamId, expected] of Object.entries(request.expectedVersions)) {
    const actual = versions.get(streamId) ?? 0;
    if (actual !== expected) return versionConflict(streamId, expected, actual);
  }
  const claims = request.claims ?? [];
  const { rows: holders } = await pool.query<{ scope: string; key: string; owner: string }>(
    `SELECT c.scope, c.key, c.owner FROM ${s}.claims c
       JOIN unnest($1::text[], $2::text[]) AS k(scope, key) ON c.scope = k.scope AND c.key = k.key`,
    [claims.map((c) => c.scope), claims.map((c) => c.key)],
  );
  const released = new Set(
    (request.releases ?? []).map((r) => JSON.stringify([r.scope, r.key, r.owner])),
  );
  for (const claim of claims) {
    const holder = holders.find((h) => h.scope === claim.scope && h.key === claim.key);
    if (!holder || holder.owner === claim.owner) continue;
    if (released.has(JSON.stringify([holder.scope, holder.key, holder.owner]))) continue;
    return claimConflict(claim, holder.owner);
  }
  return undefined;
}
