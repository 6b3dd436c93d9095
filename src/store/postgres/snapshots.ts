import type { Pool } from 'pg';
import type { StoredSnapshot } from '../snapshots.js';
import type { SchemaNames } from './names.js';

/** The snapshot kept, or null. */
export async function readSnapshot(pool: Pool, names: SchemaNames): Promise<StoredSnapshot | null> {
  // bigint comes back as text; positions stay far below 2^53. bytea comes back as a Buffer.
  const { rows } = await pool.query<{
    position: string;
    format: string;
    chain_hash: string | null;
    data: Buffer;
  }>(`SELECT position, format, chain_hash, data FROM ${names.quoted}.snapshots WHERE slot = 1`);
  const row = rows[0];
  if (row === undefined) return null;
  return Object.freeze({
    position: Number(row.position),
    format: row.format,
    chainHash: row.chain_hash,
    data: row.data,
  });
}

/** Stores a snapshot; the WHERE of the upsert keeps a late writer from moving it back. */
export async function storeSnapshot(
  pool: Pool,
  names: SchemaNames,
  snapshot: StoredSnapshot,
): Promise<void> {
  const table = `${names.quoted}.snapshots`;
  await pool.query(
    `INSERT INTO ${table} AS s (slot, position, format, chain_hash, data)
     VALUES (1, $1, $2, $3, $4)
     ON CONFLICT (slot) DO UPDATE SET position = excluded.position, format = excluded.format,
       chain_hash = excluded.chain_hash, data = excluded.data, created_at = now()
     WHERE excluded.position >= s.position`,
    [snapshot.position, snapshot.format, snapshot.chainHash, Buffer.from(snapshot.data)],
  );
}
