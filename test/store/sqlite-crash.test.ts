import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/store/event-store.js';
import { createSqliteEventStore, type SqliteEventStore } from '../../src/store/sqlite/index.js';
import { eventually } from '../support/postgres.js';
import { streamAppend } from './conformance-fixtures.js';

interface Acknowledgement {
  streamId: string;
  events: number;
  position: number;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const writer = fileURLToPath(new URL('../fixtures/sqlite-writer.ts', import.meta.url));
const KILL_AFTER = 300;

/**
 * Runs `writers` writer processes on one file until each acknowledged
 * `killAfter` appends, then kills them all with SIGKILL while they go on
 * writing; returns every line each printed. The first to get there keeps
 * writing until the last does, so several writers always overlap.
 */
function writeUntilKilled(
  filename: string,
  killAfter: number,
  writers = 1,
): Promise<Acknowledgement[][]> {
  const children = Array.from({ length: writers }, () =>
    spawn(process.execPath, ['--import', 'tsx', writer, filename], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const acks = children.map((): Acknowledgement[] => []);
  return Promise.all(
    children.map(
      (child, i) =>
        new Promise<Acknowledgement[]>((resolve, reject) => {
          let stderr = '';
          child.stderr.on('data', (chunk: Buffer) => {
            stderr += chunk.toString();
          });
          createInterface({ input: child.stdout }).on('line', (line) => {
            acks[i]?.push(JSON.parse(line) as Acknowledgement);
            if (acks.every((mine) => mine.length >= killAfter)) {
              for (const each of children) each.kill('SIGKILL');
            }
          });
          child.on('error', reject);
          child.on('close', (code, signal) => {
            if (signal === 'SIGKILL') resolve(acks[i] ?? []);
            else reject(new Error(`A writer exited by itself (code ${code}): ${stderr}`));
          });
        }),
    ),
  );
}

function byStream(events: readonly StoredEvent[]): Map<string, StoredEvent[]> {
  const streams = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const stream = streams.get(event.sourceId) ?? [];
    stream.push(event);
    streams.set(event.sourceId, stream);
  }
  return streams;
}

describe('SQLite event store killed while appending', () => {
  let dir: string;
  let filename: string;
  let acks: Acknowledgement[];
  let store: SqliteEventStore;
  let log: StoredEvent[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-crash-'));
    filename = join(dir, 'events.db');
    [acks = []] = await writeUntilKilled(filename, KILL_AFTER);
    store = createSqliteEventStore({ filename });
    log = await store.readAll();
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('was killed after acknowledging the appends it was waited for', () => {
    expect(acks.length).toBeGreaterThanOrEqual(KILL_AFTER);
  });

  it('keeps every acknowledged append whole', async () => {
    for (const ack of acks) {
      const stream = await store.readStream(ack.streamId);
      expect(stream.map((event) => event.streamVersion)).toEqual(
        Array.from({ length: ack.events }, (_, i) => i + 1),
      );
      expect(stream.at(-1)?.position).toBe(ack.position);
    }
  });

  it('leaves no torn stream in the log', () => {
    for (const [streamId, events] of byStream(log)) {
      const data = events[0]?.data as { eventsInStream?: number } | undefined;
      const eventsInStream = data?.eventsInStream;
      expect(events.length, streamId).toBe(eventsInStream);
      const positions = events.map((event) => event.position);
      const first = positions[0] ?? 0;
      expect(positions, streamId).toEqual(positions.map((_, i) => first + i));
    }
  });

  it('keeps versions and claims consistent with the events', () => {
    const db = new Database(filename, { readonly: true });
    const versions = db.prepare('SELECT stream_id, version FROM streams').all() as {
      stream_id: string;
      version: number;
    }[];
    const owners = db.prepare('SELECT owner FROM claims').pluck().all() as string[];
    db.close();
    const streams = byStream(log);
    expect(new Map(versions.map((row) => [row.stream_id, row.version]))).toEqual(
      new Map([...streams].map(([id, events]) => [id, events.length])),
    );
    expect(new Set(owners)).toEqual(new Set(streams.keys()));
  });

  it('passes the SQLite integrity check', () => {
    const db = new Database(filename, { readonly: true });
    const result = db.pragma('integrity_check', { simple: true });
    db.close();
    expect(result).toBe('ok');
  });

  it('accepts a new append after the crash', async () => {
    const head = await store.head();
    const [event] = await store.append({
      events: [
        {
          eventId: 'after-crash',
          type: 'DataSourceCreated',
          schemaVersion: 1,
          sourceId: 'after-crash',
          tenantId: 'tenant-0',
          streamVersion: 1,
          occurredAt: new Date().toISOString(),
          data: {},
          metadata: {},
        },
      ],
      expectedVersions: { 'after-crash': 0 },
      claims: [{ scope: 'tenant-0', key: 'after-crash', owner: 'after-crash' }],
    });
    expect(event?.position).toBe(head + 1);
  });
});

describe('SQLite event store shared by two processes', () => {
  it('lets two processes append to one file, each waiting for the other’s lock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqlite-shared-'));
    const filename = join(dir, 'events.db');
    try {
      // A writer that met a busy lock instead of waiting would exit on its own and fail this.
      const [first = [], second = []] = await writeUntilKilled(filename, 150, 2);
      const store = createSqliteEventStore({ filename });
      const positions = (await store.readAll()).map((event) => event.position);
      await store.close();
      for (const ack of [...first, ...second]) expect(positions).toContain(ack.position);
      expect(new Set(positions).size).toBe(positions.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('SQLite event store killed inside an append', () => {
  const stuckWriter = fileURLToPath(new URL('../fixtures/sqlite-append-stuck.ts', import.meta.url));

  /** True while another connection holds the file's write lock. */
  function writeLockHeld(filename: string): boolean {
    const db = new Database(filename, { timeout: 0 });
    try {
      db.exec('BEGIN IMMEDIATE');
      db.exec('ROLLBACK');
      return false;
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
      throw error;
    } finally {
      db.close();
    }
  }

  it('leaves nothing of an append whose transaction was open when the process died', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sqlite-stuck-'));
    const filename = join(dir, 'events.db');
    try {
      const store = createSqliteEventStore({ filename });
      await store.append(streamAppend('before', 0));
      await store.close();
      const db = new Database(filename);
      // Never finishes: the writer's append stays open at its second event until it is killed.
      db.exec(`CREATE TRIGGER stuck BEFORE INSERT ON events
                 WHEN json_extract(NEW.data, '$.stuck') IS NOT NULL
                 BEGIN
                   SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c)
                                         SELECT x FROM c);
                 END`);
      db.close();
      const child = spawn(process.execPath, ['--import', 'tsx', stuckWriter, filename], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      const opened = new Promise<void>((resolve) =>
        createInterface({ input: child.stdout }).on('line', (line) => {
          if (line === 'opened') resolve();
        }),
      );
      try {
        await Promise.race([opened, exited]);
        // Held at three polls in a row: the writer is in the append's one long transaction,
        // not in one of the short ones that open a store.
        let heldInARow = 0;
        await eventually(async () => {
          heldInARow = writeLockHeld(filename) ? heldInARow + 1 : 0;
          return heldInARow >= 3;
        }, 'the writer to be inside its append');
      } finally {
        child.kill('SIGKILL');
      }
      expect(await exited).toBe('SIGKILL');

      const reopened = createSqliteEventStore({ filename });
      expect((await reopened.readAll()).map((event) => event.sourceId)).toEqual(['before']);
      // The stream is still new and the key still free.
      await reopened.append(
        streamAppend('stuck', 0, 1, {
          claims: [{ scope: 'tenant-0', key: 'stuck', owner: 'other' }],
        }),
      );
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
