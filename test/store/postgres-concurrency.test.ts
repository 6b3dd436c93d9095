import { randomInt } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import type { AppendRequest, EventStore, StoredEvent } from '../../src/store/event-store.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import {
  adminQuery,
  describeWithPostgres,
  eventually,
  holdMarkedAppends,
  storesNamed,
  testSchemas,
  uniqueName,
} from '../support/postgres.js';
import { failure, pendingEvent, streamAppend } from './conformance-fixtures.js';

const WRITERS = 8;
const COMMANDS_PER_WRITER = 60;
const SHARED_STREAMS = 3;

/**
 * One writer's commands: mostly a new stream of 1 to 3 events with a claim,
 * and every fourth an event on a stream all writers share, retried on conflict.
 * Returns the events it got acknowledged.
 */
async function write(store: EventStore, writer: number): Promise<StoredEvent[]> {
  const acknowledged: StoredEvent[] = [];
  for (let i = 0; i < COMMANDS_PER_WRITER; i++) {
    if (i % 4 === 3) {
      acknowledged.push(...(await appendToShared(store, `shared-${i % SHARED_STREAMS}`)));
      continue;
    }
    const streamId = `w${writer}-s${i}`;
    const claims = [{ scope: 'tenant-a', key: `name-${streamId}`, owner: streamId }];
    acknowledged.push(...(await store.append(streamAppend(streamId, 0, 1 + (i % 3), { claims }))));
  }
  return acknowledged;
}

async function appendToShared(store: EventStore, streamId: string): Promise<StoredEvent[]> {
  for (;;) {
    const version = (await store.readStream(streamId)).length;
    try {
      return await store.append(streamAppend(streamId, version));
    } catch (error) {
      if (!(error instanceof DataSourceError && error.code === ErrorCode.CONCURRENCY_CONFLICT)) {
        throw error;
      }
    }
  }
}

/**
 * Reads the whole log again and again until `done`, and records every event it
 * finds below a position an earlier read had already reached: a late commit.
 */
async function watchForLateCommits(store: EventStore, done: () => boolean) {
  const seen = new Set<number>();
  let highest = 0;
  const late: StoredEvent[] = [];
  let reads = 0;
  while (!done()) {
    const log = await store.readAll();
    reads += 1;
    for (const event of log) {
      if (event.position <= highest && !seen.has(event.position)) late.push(event);
      seen.add(event.position);
    }
    highest = Math.max(highest, log.at(-1)?.position ?? 0);
  }
  return { late, reads };
}

describeWithPostgres('PostgreSQL event store with 8 concurrent writers', (url) => {
  const schemas = testSchemas(url);
  const stores: EventStore[] = [];
  let acknowledged: StoredEvent[] = [];
  let log: StoredEvent[] = [];
  let watch: { late: StoredEvent[]; reads: number };

  beforeAll(async () => {
    const schema = schemas.next();
    const open = () => {
      const store = createPostgresEventStore({ connectionString: url, schema });
      stores.push(store);
      return store;
    };
    const writers = Array.from({ length: WRITERS }, open);
    const reader = open();
    // Every instance migrates on first use; let that happen before the race starts.
    await Promise.all(stores.map((store) => store.head()));
    let done = false;
    const watching = watchForLateCommits(reader, () => done);
    try {
      const results = await Promise.all(writers.map((store, i) => write(store, i)));
      acknowledged = results.flat();
    } finally {
      done = true;
    }
    watch = await watching;
    log = await reader.readAll();
  }, 60_000);

  afterAll(async () => {
    for (const store of stores.splice(0)) await store.close();
    await schemas.dropAll();
  });

  it('keeps every acknowledged event exactly once, and nothing else', () => {
    // By content: the log's events are sealed after their appends resolved.
    const byId = (events: StoredEvent[]) =>
      events
        .map(({ hash: _hash, ...event }) => event)
        .sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
    expect(new Set(log.map((event) => event.eventId)).size).toBe(log.length);
    expect(byId(log)).toEqual(byId(acknowledged));
  });

  it('gives strictly increasing positions in the log', () => {
    const positions = log.map((event) => event.position);
    expect(positions.every((position, i) => i === 0 || position > (positions[i - 1] ?? 0))).toBe(
      true,
    );
  });

  it('keeps the streams every writer shared gapless, one event per acknowledged append', () => {
    for (let i = 0; i < SHARED_STREAMS; i++) {
      const versions = log
        .filter((event) => event.sourceId === `shared-${i}`)
        .map((event) => event.streamVersion);
      expect(versions).toEqual(versions.map((_, v) => v + 1));
    }
  });

  it('never shows a reader an event below a position it had already seen', () => {
    expect(watch.reads).toBeGreaterThan(1);
    expect(watch.late).toEqual([]);
  });
});

/**
 * An append is held inside its transaction, after inserting its event and
 * before committing, by a trigger waiting on an advisory lock the test holds.
 * A second append started meanwhile must not become visible before it: if it
 * could, a reader would see position p + 1 and only later find p.
 */
describeWithPostgres('a PostgreSQL append held between its insert and its commit', (url) => {
  const schemas = testSchemas(url);
  const application = uniqueName('dsreg_late_commit');
  const gateKey = [randomInt(1, 2 ** 31), randomInt(1, 2 ** 31)];
  const stores: EventStore[] = [];

  afterAll(async () => {
    for (const store of stores.splice(0)) await store.close();
    await schemas.dropAll();
  });

  const waitingOnLocks = async () => {
    const [row] = await adminQuery<{ waiting: number }>(
      url,
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
        WHERE application_name = $1 AND wait_event_type = 'Lock'`,
      [application],
    );
    return row?.waiting ?? 0;
  };

  /**
   * Runs `meanwhile` while `store` holds an append of `request` open (its
   * event inserted, not committed) until the gate opens; the held append's
   * events after that.
   */
  async function whileHeld<T>(
    schema: string,
    store: EventStore,
    request: AppendRequest,
    meanwhile: () => Promise<T>,
  ): Promise<{ held: StoredEvent[]; result: T }> {
    await holdMarkedAppends(url, schema, gateKey);
    const gate = new pg.Client(url);
    await gate.connect();
    await gate.query('SELECT pg_advisory_lock($1, $2)', gateKey);
    let held: Promise<StoredEvent[]>;
    let result: T;
    try {
      held = store.append(request);
      await eventually(async () => (await waitingOnLocks()) === 1, 'the first append to be held');
      result = await meanwhile();
    } finally {
      await gate.query('SELECT pg_advisory_unlock($1, $2)', gateKey);
      await gate.end();
    }
    return { held: await held, result };
  }

  /** Waits until `append` has settled, or waits on a lock beside the held append. */
  async function settledOrWaiting(append: Promise<unknown>, what: string): Promise<void> {
    let settled = false;
    const mark = () => {
      settled = true;
    };
    append.then(mark, mark);
    await eventually(async () => settled || (await waitingOnLocks()) === 2, what);
  }

  const heldCreation = (tenantId?: string): AppendRequest => ({
    events: [
      pendingEvent({ sourceId: 'held', streamVersion: 1, tenantId, data: { holdHere: true } }),
    ],
    expectedVersions: { held: 0 },
  });

  it('keeps every later append invisible until it commits', async () => {
    const schema = schemas.next();
    const open = storesNamed(url, schema, stores);
    const reader = open(uniqueName('dsreg_reader'));
    const later = open(application);
    await reader.append(streamAppend('first', 0));
    const {
      held: [heldEvent],
      result: { laterAppend, seenWhileHeld },
    } = await whileHeld(schema, open(application), heldCreation(), async () => {
      const laterAppend = later.append(streamAppend('later', 0));
      await settledOrWaiting(
        laterAppend,
        'the later append to commit or to wait behind the held one',
      );
      return { laterAppend, seenWhileHeld: await reader.readAll({ after: 1 }) };
    });
    const [laterEvent] = await laterAppend;

    expect(seenWhileHeld).toEqual([]);
    expect(heldEvent?.position).toBeLessThan(laterEvent?.position ?? 0);
    // Readers see nothing above the oldest transaction still open on the
    // server, anyone's: another client's may hold both back for a moment.
    const seenAfter = await eventually(async () => {
      const events = await reader.readAll({ after: 1 });
      return events.length === 2 && events;
    }, 'both appends to become visible');
    expect(seenAfter.map((event) => event.sourceId)).toEqual(['held', 'later']);
  });

  it('makes a tenant guard wait for an open append creating a stream of that tenant, then refuses it', async () => {
    const schema = schemas.next();
    const open = storesNamed(url, schema, stores);
    const guarded = open(application);
    await guarded.append(streamAppend('first', 0, 1, { tenantId: 't1' }));
    const guard = { tenantId: 't1', position: 1 };
    const {
      held: [created],
      result: { clear },
    } = await whileHeld(schema, open(application), heldCreation('t1'), async () => {
      const clear = guarded.append(
        streamAppend('first', 1, 1, { tenantId: 't1', tenantUnchanged: guard }),
      );
      await settledOrWaiting(clear, 'the guarded append to commit or to wait for the tenant');
      return { clear };
    });

    // Had the guard not waited, it would have passed over the uncommitted
    // stream, and the tenant would hold a stream created below its position.
    const refused = await failure(clear);
    expect(refused.details).toMatchObject({ reason: 'tenant', createdAt: created?.position });
  });
});
