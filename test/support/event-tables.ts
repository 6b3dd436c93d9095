import Database from 'better-sqlite3';
import type { EventRow } from '../../src/store/event-row.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import type { StoreSpec } from '../fixtures/store-spec.js';
import { adminQuery } from './postgres.js';

/** An `events` row as a test reads and writes it around the store. */
export type EventTableRow = EventRow<number>;

/** The `events` table of a durable log, reached directly, as someone with write access to the database could. */
export interface EventTable {
  rows(): Promise<EventTableRow[]>;
  /** Writes these rows at their positions, replacing what is there. */
  put(...rows: EventTableRow[]): Promise<void>;
  remove(position: number): Promise<void>;
}

const COLUMNS = [
  'position',
  'event_id',
  'type',
  'schema_version',
  'source_id',
  'tenant_id',
  'stream_version',
  'occurred_at',
  'data',
  'metadata',
  'hash',
] as const;

function sqliteTable(filename: string): EventTable {
  const withDb = <T>(work: (db: Database.Database) => T): T => {
    const db = new Database(filename);
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    async rows() {
      return withDb((db) =>
        db
          .prepare<[], EventTableRow>(`SELECT ${COLUMNS.join(', ')} FROM events ORDER BY position`)
          .all(),
      );
    },
    async put(...rows) {
      withDb((db) =>
        db.transaction(() => {
          for (const row of rows)
            db.prepare('DELETE FROM events WHERE position = ?').run(row.position);
          const insert = db.prepare(
            `INSERT INTO events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
          );
          for (const row of rows) insert.run(...COLUMNS.map((column) => row[column]));
        })(),
      );
    },
    async remove(position) {
      withDb((db) => db.prepare('DELETE FROM events WHERE position = ?').run(position));
    },
  };
}

function postgresTable(url: string, schema: string): EventTable {
  const events = `${quoteIdentifier(schema)}.events`;
  const select = COLUMNS.map((c) =>
    c === 'position'
      ? 'position::integer AS position'
      : c === 'data' || c === 'metadata'
        ? `${c}::text AS ${c}`
        : c,
  );
  return {
    rows: () =>
      adminQuery<EventTableRow>(
        url,
        `SELECT ${select.join(', ')} FROM ${events} ORDER BY position`,
      ),
    async put(...rows) {
      const values = COLUMNS.map((c, i) =>
        c === 'data' || c === 'metadata' ? `$${i + 1}::json` : `$${i + 1}`,
      );
      for (const row of rows) {
        await adminQuery(url, `DELETE FROM ${events} WHERE position = $1`, [row.position]);
      }
      for (const row of rows) {
        await adminQuery(
          url,
          // Transaction id 0, as old rows have: readers see the row at once, whatever else runs.
          `INSERT INTO ${events} (${COLUMNS.join(', ')}, transaction_id)
             OVERRIDING SYSTEM VALUE VALUES (${values.join(', ')}, '0')`,
          COLUMNS.map((column) => row[column]),
        );
      }
    },
    async remove(position) {
      await adminQuery(url, `DELETE FROM ${events} WHERE position = $1`, [position]);
    },
  };
}

/** The events table of the log a spec names. */
export function eventTable(spec: StoreSpec): EventTable {
  return spec.kind === 'sqlite' ? sqliteTable(spec.filename) : postgresTable(spec.url, spec.schema);
}
