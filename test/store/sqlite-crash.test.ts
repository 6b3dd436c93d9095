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
