import type { Pool } from 'pg';
import type { SchemaNames } from './names.js';

/** The position a subscription of this name has stored, or null. */
export async function readCheckpoint(
  pool: Pool,
  names: SchemaNames,
  name: string,
): Promise<number | null> {
  // bigint comes back as text; positions stay far below 2^53.
  const { rows } = await pool.query<{ position: string }>(
    `SELECT position FROM ${names.quoted}.subscription_checkpoints WHERE name = $1`,
    [name],
  );
  const row = rows[0];
  return row === undefined ? null : Number(row.position);
}

/** Stores a checkpoint; GREATEST in the upsert keeps it from moving back under concurrent writers. */
export async function storeCheckpoint(
  pool: Pool,
  names: SchemaNames,
  name: string,
  position: number,
): Promise<void> {
  const table = `${names.quoted}.subscription_checkpoints`;
  await pool.query(
    `INSERT INTO ${table} AS c (name, position) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET position = GREATEST(c.position, excluded.position),
       updated_at = now()`,
    [name, position],
  );
}
