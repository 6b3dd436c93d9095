import type { Database, Statement } from 'better-sqlite3';
import { EVENT_COLUMNS, eventFromRow, type EventRow as SqlEventRow } from '../event-row.js';
import type { StoredEvent } from '../event-store.js';

/** An `events` row as SQLite returns it. */
type EventRow = SqlEventRow<number>;

type EventParams = [
  position: number,
  eventId: string,
  type: string,
  schemaVersion: number,
  sourceId: string,
  tenantId: string,
  streamVersion: number,
  occurredAt: string,
  data: string,
  metadata: string,
  hash: string,
];

/** The prepared statements of one open store. */
export interface Statements {
  readonly streamVersion: Statement<[string], number>;
  readonly setStreamVersion: Statement<[string, number]>;
  readonly createStream: Statement<[string, number]>;
  readonly moveStream: Statement<[number, string, number]>;
  readonly claimOwner: Statement<[string, string], string>;
  readonly deleteClaim: Statement<[string, string]>;
  readonly setClaim: Statement<[string, string, string]>;
  readonly streamCreatedAfter: Statement<[string, number], number>;
  readonly insertEvent: Statement<EventParams>;
  readonly lastLink: Statement<[], { next: number; hash: string | null }>;
  readonly readAll: Statement<[number, number], EventRow>;
  readonly readTenant: Statement<[number, string, number], EventRow>;
  readonly readStream: Statement<[string], EventRow>;
  readonly head: Statement<[], number>;
  readonly dataVersion: Statement<[], number>;
}

/**
 * Every statement the store runs, prepared once when it opens: preparing is
 * the costly part of a small query, and an append runs several.
 */
export function prepareStatements(db: Database): Statements {
  return {
    streamVersion: db
      .prepare<[string], number>('SELECT version FROM streams WHERE stream_id = ?')
      .pluck(),
    setStreamVersion: db.prepare<[string, number]>(
      `INSERT INTO streams (stream_id, version) VALUES (?, ?)
       ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version`,
    ),
    // No change when the stream exists: the caller expected it not to.
    createStream: db.prepare<[string, number]>(
      'INSERT INTO streams (stream_id, version) VALUES (?, ?) ON CONFLICT (stream_id) DO NOTHING',
    ),
    // No change unless the stream is at the version the caller expected.
    moveStream: db.prepare<[number, string, number]>(
      'UPDATE streams SET version = ? WHERE stream_id = ? AND version = ?',
    ),
    claimOwner: db
      .prepare<[string, string], string>('SELECT owner FROM claims WHERE scope = ? AND key = ?')
      .pluck(),
    deleteClaim: db.prepare<[string, string]>('DELETE FROM claims WHERE scope = ? AND key = ?'),
    setClaim: db.prepare<[string, string, string]>(
      `INSERT INTO claims (scope, key, owner) VALUES (?, ?, ?)
       ON CONFLICT (scope, key) DO UPDATE SET owner = excluded.owner`,
    ),
    // The tenant index (tenant_id, position) finds the few events after the position.
    streamCreatedAfter: db
      .prepare<[string, number], number>(
        `SELECT position FROM events WHERE tenant_id = ? AND position > ? AND stream_version = 1
         ORDER BY position LIMIT 1`,
      )
      .pluck(),
    insertEvent: db.prepare<EventParams>(
      `INSERT INTO events (position, event_id, type, schema_version, source_id, tenant_id,
         stream_version, occurred_at, data, metadata, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // The position AUTOINCREMENT would give next (never one handed out
    // before, even after the last rows were deleted) and the hash of the
    // last event: an append hashes its events before inserting them.
    lastLink: db.prepare<[], { next: number; hash: string | null }>(
      `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),
                  coalesce((SELECT max(position) FROM events), 0)) + 1 AS next,
              (SELECT hash FROM events ORDER BY position DESC LIMIT 1) AS hash`,
    ),
    // LIMIT -1 is SQLite for "no limit", so one statement serves both.
    readAll: db.prepare<[number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    ),
    readTenant: db.prepare<[number, string, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? AND tenant_id = ?
       ORDER BY position LIMIT ?`,
    ),
    readStream: db.prepare<[string], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE source_id = ? ORDER BY stream_version`,
    ),
    head: db.prepare<[], number>('SELECT COALESCE(MAX(position), 0) FROM events').pluck(),
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
  };
}

/** The insert parameters of an event; data and metadata are stored as JSON text. */
export function eventParams(event: StoredEvent & { readonly hash: string }): EventParams {
  return [
    event.position,
    event.eventId,
    event.type,
    event.schemaVersion,
    event.sourceId,
    event.tenantId,
    event.streamVersion,
    event.occurredAt,
    JSON.stringify(event.data ?? null),
    JSON.stringify(event.metadata),
    event.hash,
  ];
}

/** A row read back as the frozen event it was appended as. */
export const toStoredEvent = (row: EventRow): StoredEvent => eventFromRow(row);
