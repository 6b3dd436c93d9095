import type { Database } from 'better-sqlite3';
import type { StoredSnapshot } from '../snapshots.js';

/** The snapshot of a SQLite log, read and written synchronously. */
export interface SqliteSnapshots {
  read(): StoredSnapshot | null;
  store(snapshot: StoredSnapshot): void;
}

interface SnapshotRow {
  position: number;
  format: string;
  chain_hash: string | null;
  data: Buffer;
}

/** The snapshot in the file's `snapshots` table: one row, replaced by a snapshot further along. */
export function createSqliteSnapshots(db: Database): SqliteSnapshots {
  const read = db.prepare<[], SnapshotRow>(
    'SELECT position, format, chain_hash, data FROM snapshots WHERE slot = 1',
  );
  // The position test in the upsert itself: two processes storing at once cannot move it back.
  const upsert = db.prepare<[number, string, string | null, Uint8Array, string]>(
    `INSERT INTO snapshots (slot, position, format, chain_hash, data, created_at)
     VALUES (1, ?, ?, ?, ?, ?)
     ON CONFLICT (slot) DO UPDATE SET position = excluded.position, format = excluded.format,
       chain_hash = excluded.chain_hash, data = excluded.data, created_at = excluded.created_at
     WHERE excluded.position >= snapshots.position`,
  );
  return {
    read() {
      const row = read.get();
      if (row === undefined) return null;
      return Object.freeze({
        position: row.position,
        format: row.format,
        chainHash: row.chain_hash,
        data: row.data,
      });
    },
    store(snapshot) {
      upsert.run(
        snapshot.position,
        snapshot.format,
        snapshot.chainHash,
        snapshot.data,
        new Date().toISOString(),
      );
    },
  };
}
