import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DataSourceError } from '../../src/domain/errors.js';
import { DataSourceRegistry } from '../../src/index.js';
import { createSqliteEventStore, type SqliteEventStore } from '../../src/store/sqlite/index.js';
import { eventually } from '../support/postgres.js';
import { useTempDir } from '../support/temp-dir.js';
import { streamAppend } from './conformance-fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const registrar = fileURLToPath(new URL('../fixtures/sqlite-registrar.ts', import.meta.url));

/** Runs the registrar in a process of its own; resolves with the id it registered. */
function registerInAnotherProcess(filename: string, name: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', registrar, filename, name], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stderr = '';
    let sourceId: string | undefined;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      sourceId = (JSON.parse(line) as { sourceId: string }).sourceId;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 && sourceId !== undefined) resolve(sourceId);
      else reject(new Error(`The registrar failed (code ${code}): ${stderr}`));
    });
  });
}

/** Appends one event to a fresh stream through a bare connection, as another program would. */
function insertThroughAnotherConnection(filename: string, streamId: string): void {
  const db = new Database(filename);
  try {
    db.prepare(
      `INSERT INTO events (event_id, type, schema_version, source_id, tenant_id,
         stream_version, occurred_at, data, metadata)
       VALUES (?, 'TestEvent', 1, ?, 'acme', 1, ?, '{}', '{}')`,
    ).run(`${streamId}-1`, streamId, new Date().toISOString());
  } finally {
    db.close();
  }
}

describe('SQLite store following other processes', () => {
  const tempDir = useTempDir('sqlite-follow-');
  const opened: Array<{ close(): Promise<void> }> = [];

  function open(filename: string, onError?: (error: DataSourceError) => void): SqliteEventStore {
    const store = createSqliteEventStore({ filename, ...(onError ? { onError } : {}) });
    opened.push(store);
    return store;
  }

  afterEach(async () => {
    for (const each of opened.splice(0)) await each.close();
  });

  it('tells subscribers of a commit made by another connection to the file', async () => {
    const filename = join(tempDir(), 'events.db');
    const store = open(filename);
    const heads: number[] = [];
    store.subscribe((head) => heads.push(head));

    insertThroughAnotherConnection(filename, 'elsewhere');

    await eventually(async () => heads.includes(1), 'the subscriber to hear head 1');
  });

  it('shows a source registered by another process to a registry that only reads', async () => {
    const filename = join(tempDir(), 'events.db');
    const registry = await DataSourceRegistry.open({ store: open(filename) });
    opened.push(registry);

    const sourceId = await registerInAnotherProcess(filename, 'warehouse');

    const seen = await eventually(
      async () => registry.get(sourceId) ?? undefined,
      'the reading registry to show the source the other process registered',
    );
    expect(seen.name).toBe('warehouse');
  });

  it('reports a failed poll to onError and goes on following', async () => {
    const filename = join(tempDir(), 'events.db');
    const errors: DataSourceError[] = [];
    const store = open(filename, (error) => errors.push(error));
    await store.append(streamAppend('s1', 0));
    const heads: number[] = [];
    store.subscribe((head) => heads.push(head));
    const other = new Database(filename);
    try {
      // The head cannot be read while the table has another name.
      other.exec('ALTER TABLE events RENAME TO events_away');
      await eventually(async () => errors.length > 0, 'the failed poll to be reported');
      other.exec('ALTER TABLE events_away RENAME TO events');
    } finally {
      other.close();
    }

    insertThroughAnotherConnection(filename, 'after-the-failure');

    await eventually(async () => heads.includes(2), 'the subscriber to hear head 2');
    expect(errors[0]?.code).toBe('STORE_ERROR');
  });

  it('reports a subscriber that throws to onError and still tells the others', async () => {
    const filename = join(tempDir(), 'events.db');
    const errors: DataSourceError[] = [];
    const store = open(filename, (error) => errors.push(error));
    const failure = new Error('subscriber bug');
    store.subscribe(() => {
      throw failure;
    });
    const heads: number[] = [];
    store.subscribe((head) => heads.push(head));

    insertThroughAnotherConnection(filename, 'elsewhere');

    await eventually(async () => heads.includes(1), 'the second subscriber to hear head 1');
    expect(errors.map((error) => error.cause)).toEqual([failure]);
  });

  it('goes on following when its onError handler throws', async () => {
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const filename = join(tempDir(), 'events.db');
      const store = open(filename, () => {
        throw new Error('handler bug');
      });
      const heads: number[] = [];
      store.subscribe((head) => heads.push(head));
      const other = new Database(filename);
      try {
        other.exec('ALTER TABLE events RENAME TO events_away');
        await eventually(
          async () =>
            warnings.mock.calls.some(([message]) => String(message).includes('handler bug')),
          'a warning that the onError handler failed',
        );
        other.exec('ALTER TABLE events_away RENAME TO events');
      } finally {
        other.close();
      }

      insertThroughAnotherConnection(filename, 'after-the-failure');

      await eventually(async () => heads.includes(1), 'the subscriber to hear head 1');
    } finally {
      warnings.mockRestore();
    }
  });
});
