import type { Pool, PoolClient } from 'pg';
import type { SchemaNames } from './names.js';

/** Runs `work` in one transaction on a pooled client, rolled back when it throws. */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let failure: unknown;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    failure = error;
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release(failure instanceof Error ? failure : undefined);
  }
}

async function readRing(client: Pool | PoolClient, names: SchemaNames): Promise<readonly string[]> {
  const { rows } = await client.query<{ key_id: string }>(
    `SELECT key_id FROM ${names.quoted}.key_ring ORDER BY seq`,
  );
  return Object.freeze(rows.map((row) => row.key_id));
}

/**
 * Pins `keyIds` when the ring is empty and returns the ring. The table lock
 * (which readers do not wait for) makes instances pinning at once take turns:
 * under READ COMMITTED each would otherwise see an empty ring and both pin.
 */
export function pinKeyRing(
  pool: Pool,
  names: SchemaNames,
  keyIds: readonly string[],
): Promise<readonly string[]> {
  // Reading alone needs no lock: it is what every instance does when it opens.
  if (keyIds.length === 0) return readRing(pool, names);
  return inTransaction(pool, async (client) => {
    await client.query(`LOCK TABLE ${names.quoted}.key_ring IN SHARE ROW EXCLUSIVE MODE`);
    const ring = await readRing(client, names);
    if (ring.length > 0) return ring;
    await client.query(
      `INSERT INTO ${names.quoted}.key_ring (key_id)
       SELECT id FROM unnest($1::text[]) WITH ORDINALITY AS ids (id, n) ORDER BY n`,
      [keyIds],
    );
    return readRing(client, names);
  });
}

/** Adds one id to the ring, when it is not there yet, and returns the ring. */
export function addToKeyRing(
  pool: Pool,
  names: SchemaNames,
  keyId: string,
): Promise<readonly string[]> {
  return inTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO ${names.quoted}.key_ring (key_id) VALUES ($1) ON CONFLICT (key_id) DO NOTHING`,
      [keyId],
    );
    return readRing(client, names);
  });
}
