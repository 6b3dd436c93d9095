import type { Pool } from 'pg';
import type { DataKeyRecord, Rewrap } from '../data-keys.js';
import { inTransaction } from './key-ring.js';
import type { SchemaNames } from './names.js';

interface Row {
  key_id: string;
  tenant_id: string;
  wrapped_key: string | null;
}

const toRecord = (row: Row): DataKeyRecord =>
  Object.freeze({ keyId: row.key_id, tenantId: row.tenant_id, wrappedKey: row.wrapped_key });

/** The tenants' data keys (all, or one tenant's), destroyed ones included. */
export async function readDataKeys(
  pool: Pool,
  names: SchemaNames,
  tenantId: string | undefined,
): Promise<DataKeyRecord[]> {
  const { rows } = await pool.query<Row>(
    `SELECT key_id, tenant_id, wrapped_key FROM ${names.quoted}.data_keys
     WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY created_at, key_id`,
    [tenantId ?? null],
  );
  return rows.map(toRecord);
}

/**
 * Inserts the key unless its tenant has a live one, then reads the live one
 * back. An insert racing another waits on the unique index until the other
 * commits, then does nothing; the read that follows sees the winner's key.
 */
export async function createDataKey(
  pool: Pool,
  names: SchemaNames,
  record: DataKeyRecord,
): Promise<DataKeyRecord> {
  const s = names.quoted;
  await pool.query(
    `INSERT INTO ${s}.data_keys (key_id, tenant_id, wrapped_key, destroyed_at)
     VALUES ($1, $2, $3, CASE WHEN $3::text IS NULL THEN clock_timestamp() END)
     ON CONFLICT DO NOTHING`,
    [record.keyId, record.tenantId, record.wrappedKey],
  );
  // A destroyed record (restored from a backup) is read back by its id, a live one by its tenant.
  const { rows } = await pool.query<Row>(
    `SELECT key_id, tenant_id, wrapped_key FROM ${s}.data_keys
     WHERE CASE WHEN $3::text IS NULL THEN key_id = $2 ELSE tenant_id = $1 AND wrapped_key IS NOT NULL END`,
    [record.tenantId, record.keyId, record.wrappedKey],
  );
  const [live] = rows;
  return live === undefined ? record : toRecord(live);
}

/** Rewraps every live key in one transaction, holding their rows until it commits. */
export function rewrapDataKeys(pool: Pool, names: SchemaNames, rewrap: Rewrap): Promise<number> {
  const s = names.quoted;
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<Row & { wrapped_key: string }>(
      `SELECT key_id, tenant_id, wrapped_key FROM ${s}.data_keys
       WHERE wrapped_key IS NOT NULL ORDER BY key_id FOR UPDATE`,
    );
    const next = rows.map((row) => ({
      keyId: row.key_id,
      wrappedKey: rewrap({
        keyId: row.key_id,
        tenantId: row.tenant_id,
        wrappedKey: row.wrapped_key,
      }),
    }));
    if (next.length === 0) return 0;
    const { rowCount } = await client.query(
      `UPDATE ${s}.data_keys AS k SET wrapped_key = n.wrapped
       FROM unnest($1::text[], $2::text[]) AS n (key_id, wrapped)
       WHERE k.key_id = n.key_id AND k.wrapped_key IS NOT NULL`,
      [next.map((key) => key.keyId), next.map((key) => key.wrappedKey)],
    );
    return rowCount ?? 0;
  });
}

/** Destroys the tenant's live keys: the rows stay, without the keys. */
export async function destroyDataKeys(
  pool: Pool,
  names: SchemaNames,
  tenantId: string,
): Promise<number> {
  const { rowCount } = await pool.query(
    `UPDATE ${names.quoted}.data_keys SET wrapped_key = NULL, destroyed_at = clock_timestamp()
     WHERE tenant_id = $1 AND wrapped_key IS NOT NULL`,
    [tenantId],
  );
  return rowCount ?? 0;
}
