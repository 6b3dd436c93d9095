import type { Database } from 'better-sqlite3';
import {
  checkDataKeyTenant,
  checkNewDataKey,
  type DataKeyRecord,
  type Rewrap,
} from '../data-keys.js';
import type { EventStore } from '../event-store.js';

/** The tenants' data keys of a SQLite log, changed in immediate transactions. */
export interface SqliteDataKeys {
  read(tenantId?: string): DataKeyRecord[];
  create(record: DataKeyRecord): DataKeyRecord;
  rewrap(rewrap: Rewrap): number;
  destroy(tenantId: string): number;
  /** True when the key is held and not destroyed. */
  isLive(keyId: string): boolean;
  /**
   * The destroy of {@link SqliteDataKeys.destroy} as one statement of the
   * caller's transaction, which must run under {@link SqliteDataKeys.shredding}.
   */
  destroyInTransaction(tenantId: string): number;
  /**
   * Runs `write` with SQLite overwriting the bytes it frees, then moves the
   * zeroed pages into the file and truncates the WAL, so a destroyed key's
   * bytes are left in neither. A checkpoint a reader holds back is finished
   * by the next one.
   */
  shredding<T>(write: () => T): T;
}

interface Row {
  key_id: string;
  tenant_id: string;
  wrapped_key: string | null;
}

const toRecord = (row: Row): DataKeyRecord =>
  Object.freeze({ keyId: row.key_id, tenantId: row.tenant_id, wrappedKey: row.wrapped_key });

/**
 * The data keys in the file's `data_keys` table. `beforeTruncate` runs just
 * before a purge's TRUNCATE checkpoint, to let another checkpoint of this
 * process end first.
 */
export function createSqliteDataKeys(
  db: Database,
  beforeTruncate: () => void = () => {},
): SqliteDataKeys {
  const columns = 'key_id, tenant_id, wrapped_key';
  const readAll = db.prepare<[], Row>(
    `SELECT ${columns} FROM data_keys ORDER BY created_at, key_id`,
  );
  const readTenant = db.prepare<[string], Row>(
    `SELECT ${columns} FROM data_keys WHERE tenant_id = ? ORDER BY created_at, key_id`,
  );
  const readLive = db.prepare<[string], Row>(
    `SELECT ${columns} FROM data_keys WHERE tenant_id = ? AND wrapped_key IS NOT NULL`,
  );
  // The partial unique index allows one live key per tenant: a second
  // instance's insert does nothing, and it reads back the first one's key.
  const insert = db.prepare<[string, string, string | null, string, string | null]>(
    `INSERT INTO data_keys (key_id, tenant_id, wrapped_key, created_at, destroyed_at)
     VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const readOne = db.prepare<[string], Row>(`SELECT ${columns} FROM data_keys WHERE key_id = ?`);
  const live = db
    .prepare<[string], number>(
      'SELECT 1 FROM data_keys WHERE key_id = ? AND wrapped_key IS NOT NULL',
    )
    .pluck();
  const update = db.prepare<[string, string]>(
    'UPDATE data_keys SET wrapped_key = ? WHERE key_id = ? AND wrapped_key IS NOT NULL',
  );
  const destroyTenant = db.prepare<[string, string]>(
    `UPDATE data_keys SET wrapped_key = NULL, destroyed_at = ?
     WHERE tenant_id = ? AND wrapped_key IS NOT NULL`,
  );
  const create = db.transaction((record: DataKeyRecord) => {
    const now = new Date().toISOString();
    const destroyed = record.wrappedKey === null ? now : null;
    insert.run(record.keyId, record.tenantId, record.wrappedKey, now, destroyed);
    const found = destroyed === null ? readLive.get(record.tenantId) : readOne.get(record.keyId);
    return found === undefined ? record : toRecord(found);
  });
  const rewrapAll = db.transaction((rewrap: Rewrap) => {
    let count = 0;
    for (const row of readAll.all()) {
      if (row.wrapped_key === null) continue;
      const record = { keyId: row.key_id, tenantId: row.tenant_id, wrappedKey: row.wrapped_key };
      count += update.run(rewrap(record), row.key_id).changes;
    }
    return count;
  });
  return {
    read: (tenantId) =>
      (tenantId === undefined ? readAll.all() : readTenant.all(tenantId)).map(toRecord),
    create: (record) => create.immediate(record),
    rewrap: (rewrap) => rewrapAll.immediate(rewrap),
    destroy: (tenantId) => shredding(() => destroyInTransaction(tenantId)),
    isLive: (keyId) => live.get(keyId) !== undefined,
    destroyInTransaction,
    shredding,
  };

  function destroyInTransaction(tenantId: string): number {
    return destroyTenant.run(new Date().toISOString(), tenantId).changes;
  }

  function shredding<T>(write: () => T): T {
    db.pragma('secure_delete = ON');
    try {
      const result = write();
      beforeTruncate();
      db.pragma('wal_checkpoint(TRUNCATE)');
      return result;
    } finally {
      db.pragma('secure_delete = OFF');
    }
  }
}

/**
 * The store's data-key methods over the table: arguments checked first (a
 * bad one is the caller's INVALID_INPUT), then the call run as the store runs
 * every driver call (`run`: failures as STORE_ERROR, none after close).
 */
export function dataKeyMethods(
  dataKeys: SqliteDataKeys,
  run: <T>(call: () => T) => T,
): Required<
  Pick<EventStore, 'readDataKeys' | 'createDataKey' | 'rewrapDataKeys' | 'destroyDataKeys'>
> {
  return {
    async readDataKeys(tenantId) {
      const tenant = tenantId === undefined ? undefined : checkDataKeyTenant(tenantId);
      return run(() => dataKeys.read(tenant));
    },
    async createDataKey(record) {
      const key = checkNewDataKey(record);
      return run(() => dataKeys.create(key));
    },
    async rewrapDataKeys(rewrap) {
      return run(() => dataKeys.rewrap(rewrap));
    },
    async destroyDataKeys(tenantId) {
      const tenant = checkDataKeyTenant(tenantId);
      return run(() => dataKeys.destroy(tenant));
    },
  };
}
