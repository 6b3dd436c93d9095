/**
 * On PostgreSQL appends commit side by side, so a command's events can
 * commit while another writer's older append is still open, and the log
 * below them cannot be read until it ends. The command resolves on its own
 * events, applied ahead; the registry's follower applies the rest in log
 * order once it can be read. A registry with listeners waits instead, so
 * they hear the log in order before the command resolves.
 */
import { randomBytes, randomInt } from 'node:crypto';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { DataSourceRegistry, type EventStore } from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import {
  adminQuery,
  describeWithPostgres,
  eventually,
  holdMarkedAppends,
  testSchemas,
  uniqueName,
  withApplicationName,
} from '../support/postgres.js';
import { databaseInput } from '../support/registry-fixtures.js';

const key = randomBytes(32);

describeWithPostgres('a command that commits behind an open append of another registry', (url) => {
  const schemas = testSchemas(url);
  const opened: DataSourceRegistry[] = [];
  const gates: pg.Client[] = [];
  const gateKey = [randomInt(1, 2 ** 31), randomInt(1, 2 ** 31)];

  afterEach(async () => {
    for (const gate of gates.splice(0)) await gate.end();
    for (const registry of opened.splice(0)) await registry.close();
    await schemas.dropAll();
  });

  async function instance(schema: string, application = uniqueName('dsreg_ahead')) {
    const store: EventStore = createPostgresEventStore({
      connectionString: withApplicationName(url, application),
      schema,
      pollIntervalMs: 100,
    });
    const registry = await DataSourceRegistry.open({ store, encryptionKey: key });
    opened.push(registry);
    return registry;
  }

  /**
   * Two registries on a fresh schema, and an append of the source `held` by
   * the first one, committed only when the returned `release` is called.
   */
  async function heldAppend() {
    const schema = schemas.next();
    const holder = uniqueName('dsreg_holder');
    const theirs = await instance(schema, holder);
    const ours = await instance(schema);
    await theirs.register(databaseInput({ sourceId: 'first', name: 'First' }));
    await ours.refresh();
    await holdMarkedAppends(url, schema, gateKey, "NEW.source_id = 'held'");
    const gate = new pg.Client(url);
    gates.push(gate);
    await gate.connect();
    await gate.query('SELECT pg_advisory_lock($1, $2)', gateKey);
    const held = theirs.register(databaseInput({ sourceId: 'held', name: 'Held' }));
    await eventually(async () => {
      const rows = await adminQuery<{ n: number }>(
        url,
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = $1 AND wait_event_type = 'Lock'`,
        [holder],
      );
      return rows[0]?.n === 1;
    }, 'the append of the held source to wait on the gate');
    const release = async () => {
      await gate.query('SELECT pg_advisory_unlock($1, $2)', gateKey);
      await held;
    };
    return { schema, ours, release };
  }

  /** Resolves to `promise`'s value, or fails if it has not settled within `ms`. */
  async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        promise,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  it('resolves at once, showing its own writes, while the log below them cannot be read', async () => {
    const { ours, release } = await heldAppend();
    try {
      const mine = await within(
        3_000,
        ours.register(databaseInput({ sourceId: 'mine', name: 'Mine' })),
      );
      const connected = await within(3_000, ours.recordConnection(mine.sourceId));

      expect(connected?.connectionCount).toBe(1);
      expect(ours.get('mine')?.connectionCount).toBe(1);
      expect(ours.list({ tenantId: 'acme' }).map((source) => source.sourceId)).toEqual([
        'first',
        'mine',
      ]);
      expect(ours.get('held')).toBeNull();
      expect(ours.position).toBe(1);
    } finally {
      await release();
    }
  });

  it('applies the other append, in log order, once it commits, and ends as a replay of the log', async () => {
    const { schema, ours, release } = await heldAppend();
    await within(3_000, ours.register(databaseInput({ sourceId: 'mine', name: 'Mine' })));
    await within(3_000, ours.recordConnection('mine'));

    await release();
    const head = await eventually(
      async () => ours.position >= 4 && ours.position,
      'the registry to follow the log past the held append',
    );

    const replayed = await instance(schema);
    expect(head).toBe(replayed.position);
    expect(ours.get('held')?.name).toBe('Held');
    expect(ours.list({ tenantId: 'acme' })).toEqual(replayed.list({ tenantId: 'acme' }));
    expect(ours.getStatistics('acme')).toEqual(replayed.getStatistics('acme'));
  });

  it('waits for the log below when a listener wants its events, which it hears in log order', async () => {
    const { ours, release } = await heldAppend();
    const heard: [string, number][] = [];
    ours.on('DataSourceRegistered', (event) => heard.push([event.sourceId, event.position]));
    let settled = false;
    const registering = ours.register(databaseInput({ sourceId: 'mine', name: 'Mine' }));
    registering.finally(() => {
      settled = true;
    });

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    await release();
    await registering;

    expect(heard.map(([sourceId]) => sourceId)).toEqual(['held', 'mine']);
    expect(heard[0]?.[1]).toBeLessThan(heard[1]?.[1] ?? 0);
    expect(ours.position).toBe(heard[1]?.[1]);
  });

  it('takes a snapshot of the log as far as it was read, without what it applied ahead', async () => {
    const { schema, ours, release } = await heldAppend();
    try {
      await within(3_000, ours.register(databaseInput({ sourceId: 'mine', name: 'Mine' })));

      const snapshot = await ours.snapshot();

      expect(snapshot.position).toBe(1);
    } finally {
      await release();
    }
    const fromSnapshot = await instance(schema);
    expect(fromSnapshot.get('mine')?.name).toBe('Mine');
    expect(fromSnapshot.get('held')?.name).toBe('Held');
    expect(fromSnapshot.list({ tenantId: 'acme' }).map((source) => source.sourceId)).toEqual([
      'first',
      'held',
      'mine',
    ]);
  });
});
