import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/store/event-store.js';
import {
  createPostgresEventStore,
  type PostgresEventStore,
} from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import {
  adminQuery,
  describeWithPostgres,
  eventually,
  testSchemas,
  uniqueName,
  withApplicationName,
} from '../support/postgres.js';
import { streamAppend } from './conformance.js';

interface Acknowledgement {
  streamId: string;
  events: number;
  positions: number[];
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const writer = fileURLToPath(new URL('../fixtures/postgres-writer.ts', import.meta.url));
const WRITERS = 2;
const KILL_AFTER = 100;

/**
 * Runs writer processes on one schema until each acknowledged `KILL_AFTER`
 * appends, then kills them all with SIGKILL while they go on writing; returns
 * every line they printed.
 */
function writeUntilKilled(url: string, schema: string): Promise<Acknowledgement[]> {
  const children = Array.from({ length: WRITERS }, () =>
    spawn(process.execPath, ['--import', 'tsx', writer, url, schema], {
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
            if (acks.every((mine) => mine.length >= KILL_AFTER)) {
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
  ).then((all) => all.flat());
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

describeWithPostgres('PostgreSQL event store with writers killed while appending', (url) => {
  const schemas = testSchemas(url);
  let schema: string;
  let acks: Acknowledgement[] = [];
  let store: PostgresEventStore;
  let log: StoredEvent[];

  beforeAll(async () => {
    schema = schemas.next();
    const application = uniqueName('dsreg_crash');
    acks = await writeUntilKilled(withApplicationName(url, application), schema);
    // A call the server had already received still commits, whole, after the kill:
    // the log is final only once the writers' sessions are gone.
    await eventually(async () => {
      const sessions = await adminQuery(
        url,
        'SELECT 1 FROM pg_stat_activity WHERE application_name = $1',
        [application],
      );
      return sessions.length === 0;
    }, 'the killed writers’ sessions to end');
    store = createPostgresEventStore({ connectionString: url, schema });
    log = await store.readAll();
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await schemas.dropAll();
  });

  it('was killed after acknowledging the appends it was waited for', () => {
    expect(acks.length).toBeGreaterThanOrEqual(WRITERS * KILL_AFTER);
  });

  it('keeps every acknowledged append whole, at the positions it acknowledged', () => {
    const streams = byStream(log);
    for (const ack of acks) {
      const stream = streams.get(ack.streamId) ?? [];
      expect(stream.map((event) => event.position)).toEqual(ack.positions);
      expect(stream.map((event) => event.streamVersion)).toEqual(
        Array.from({ length: ack.events }, (_, i) => i + 1),
      );
    }
  });

  it('leaves no torn stream in the log', () => {
    for (const [streamId, events] of byStream(log)) {
      const data = events[0]?.data as { eventsInStream?: number } | undefined;
      expect(events.length, streamId).toBe(data?.eventsInStream);
    }
  });

  it('keeps versions and claims consistent with the events', async () => {
    const s = quoteIdentifier(schema);
    const versions = await adminQuery<{ stream_id: string; version: number }>(
      url,
      `SELECT stream_id, version FROM ${s}.streams`,
    );
    const owners = await adminQuery<{ owner: string }>(url, `SELECT owner FROM ${s}.claims`);
    const streams = byStream(log);
    expect(new Map(versions.map((row) => [row.stream_id, row.version]))).toEqual(
      new Map([...streams].map(([id, events]) => [id, events.length])),
    );
    expect(new Set(owners.map((row) => row.owner))).toEqual(new Set(streams.keys()));
  });

  it('accepts a new append from a new store on the same schema', async () => {
    const head = await store.head();
    const [event] = await store.append(streamAppend('after-crash', 0));
    expect(event?.position).toBeGreaterThan(head);
  });
});

describeWithPostgres('PostgreSQL event store with a writer killed inside an append', (url) => {
  const schemas = testSchemas(url);
  const heldWriter = fileURLToPath(new URL('../fixtures/postgres-append-held.ts', import.meta.url));

  afterAll(() => schemas.dropAll());

  it('keeps the append whole or not at all once the server has finished it', async () => {
    const schema = schemas.next();
    const s = quoteIdentifier(schema);
    const application = uniqueName('dsreg_held');
    const gateKey = [randomInt(1, 2 ** 31), randomInt(1, 2 ** 31)];
    const setup = createPostgresEventStore({ connectionString: url, schema });
    await setup.append(streamAppend('before', 0));
    await setup.close();
    await adminQuery(
      url,
      `CREATE FUNCTION ${s}.hold_marked() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.data->>'held' IS NOT NULL THEN
           PERFORM pg_advisory_xact_lock_shared(${gateKey[0]}, ${gateKey[1]});
         END IF;
         RETURN NEW;
       END $$`,
    );
    await adminQuery(
      url,
      `CREATE TRIGGER hold_marked BEFORE INSERT ON ${s}.events
         FOR EACH ROW EXECUTE FUNCTION ${s}.hold_marked()`,
    );
    const gate = new pg.Client(url);
    await gate.connect();
    await gate.query('SELECT pg_advisory_lock($1, $2)', gateKey);
    try {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', heldWriter, withApplicationName(url, application), schema],
        { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      try {
        await eventually(async () => {
          const [row] = await adminQuery<{ held: number }>(
            url,
            `SELECT count(*)::int AS held FROM pg_locks l JOIN pg_stat_activity a USING (pid)
              WHERE a.application_name = $1 AND l.locktype = 'advisory'
                AND l.classid = $2 AND l.objid = $3 AND NOT l.granted`,
            [application, ...gateKey],
          );
          return row?.held === 1;
        }, 'the writer’s append to be held at its second event');
      } finally {
        child.kill('SIGKILL');
      }
      expect(await exited).toBe('SIGKILL');
    } finally {
      await gate.query('SELECT pg_advisory_unlock($1, $2)', gateKey);
      await gate.end();
    }
    await eventually(
      async () =>
        (
          await adminQuery(url, 'SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [
            application,
          ])
        ).length === 0,
      'the killed writer’s session to end',
    );

    const store = createPostgresEventStore({ connectionString: url, schema });
    const held = await store.readStream('held');
    await store.close();
    expect([0, 3]).toContain(held.length);
    const [version] = await adminQuery<{ version: number }>(
      url,
      `SELECT coalesce(max(version), 0) AS version FROM ${s}.streams WHERE stream_id = 'held'`,
    );
    const claims = await adminQuery(url, `SELECT 1 FROM ${s}.claims WHERE owner = 'held'`);
    expect(version?.version).toBe(held.length);
    expect(claims.length).toBe(held.length === 0 ? 0 : 1);
  }, 60_000);
});
