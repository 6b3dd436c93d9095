import type { Database } from 'better-sqlite3';

/** The checkpoints of a SQLite log's subscriptions, read and written synchronously. */
export interface SqliteSubscriptionCheckpoints {
  read(name: string): number | null;
  store(name: string, position: number): void;
}

/** The checkpoints in the file's `subscription_checkpoints` table. */
export function createSqliteSubscriptionCheckpoints(db: Database): SqliteSubscriptionCheckpoints {
  const read = db
    .prepare<[string], number>('SELECT position FROM subscription_checkpoints WHERE name = ?')
    .pluck();
  // max() in the upsert itself: two processes storing at once cannot move it back.
  const upsert = db.prepare<[string, number, string]>(
    `INSERT INTO subscription_checkpoints (name, position, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET position = max(position, excluded.position),
       updated_at = excluded.updated_at`,
  );
  return {
    read: (name) => read.get(name) ?? null,
    store: (name, position) => {
      upsert.run(name, position, new Date().toISOString());
    },
  };
}
