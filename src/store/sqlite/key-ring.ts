import type { Database } from 'better-sqlite3';
import { checkKeyIds } from '../key-ring.js';

/** The key ring of a SQLite log, read and changed in immediate transactions. */
export interface SqliteKeyRing {
  pin(keyIds: readonly string[]): readonly string[];
  add(keyId: string): readonly string[];
}

/** The key ring in the file's `key_ring` table. */
export function createSqliteKeyRing(db: Database): SqliteKeyRing {
  const read = db.prepare<[], string>('SELECT key_id FROM key_ring ORDER BY seq').pluck();
  const insert = db.prepare<[string, string]>(
    'INSERT INTO key_ring (key_id, added_at) VALUES (?, ?) ON CONFLICT (key_id) DO NOTHING',
  );
  // IMMEDIATE takes the write lock before reading, so two processes pinning
  // an empty ring at once take turns: the second finds the first one's ids.
  const pin = db.transaction((ids: readonly string[]) => {
    if (read.all().length === 0) {
      const now = new Date().toISOString();
      for (const id of ids) insert.run(id, now);
    }
    return Object.freeze(read.all());
  });
  const add = db.transaction((id: string) => {
    insert.run(id, new Date().toISOString());
    return Object.freeze(read.all());
  });
  return {
    pin: (keyIds) => pin.immediate(checkKeyIds(keyIds)),
    add: (keyId) => add.immediate(checkKeyIds([keyId])[0] ?? ''),
  };
}
