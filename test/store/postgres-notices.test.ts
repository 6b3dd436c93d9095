import pg from 'pg';
import { afterAll, afterEach, expect, it } from 'vitest';
import {
  createPostgresEventStore,
  type PostgresEventStore,
} from '../../src/store/postgres/index.js';
import { quoteIdentifier, schemaNames } from '../../src/store/postgres/names.js';
import { describeWithPostgres, eventually, testSchemas } from '../support/postgres.js';
import { streamAppend } from './conformance.js';

/** The least time between two notices of one store, as the store documents it. */
const GAP_MS = 25;

describeWithPostgres('the notices a PostgreSQL store sends after its commits', (url) => {
  const schemas = testSchemas(url);
  const stores: PostgresEventStore[] = [];
  const listeners: pg.Client[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const client of listeners.splice(0)) await client.end();
  });
  afterAll(() => schemas.dropAll());

  /** A plain LISTEN on the schema's channel: every notice, with when it came. */
  async function listen(schema: string): Promise<{ head: number; at: number }[]> {
    const client = new pg.Client({ connectionString: url });
    listeners.push(client);
    await client.connect();
    const heard: { head: number; at: number }[] = [];
    client.on('notification', (message) => {
      heard.push({ head: Number(message.payload), at: performance.now() });
    });
    await client.query(`LISTEN ${quoteIdentifier(schemaNames(schema).channel)}`);
    return heard;
  }

  function open(schema: string): PostgresEventStore {
    const store = createPostgresEventStore({ connectionString: url, schema });
    stores.push(store);
    return store;
  }

  it('sends a burst of commits as one notice per gap at most, the last head among them', async () => {
    const schema = schemas.next();
    const heard = await listen(schema);
    const store = open(schema);
    const started = performance.now();
    let head = 0;
    for (let i = 0; i < 40; i++) {
      const [event] = await store.append(streamAppend(`s${i}`, 0));
      head = event?.position ?? head;
    }
    await eventually(async () => heard.at(-1)?.head === head, 'the last head to be announced');

    // Each notice is sent at least the gap after the one before, and none before
    // the first append began: however slow the machine, no more than this fit.
    const span = (heard.at(-1)?.at ?? started) - started;
    expect(heard.length).toBeLessThanOrEqual(Math.floor(span / GAP_MS) + 1);
    expect(heard.map((notice) => notice.head)).toEqual(
      [...heard.map((notice) => notice.head)].sort((a, b) => a - b),
    );
  });

  it('announces the last head of commits made just before close()', async () => {
    const schema = schemas.next();
    const heard = await listen(schema);
    const store = open(schema);
    await store.append(streamAppend('s1', 0));
    const [last] = await store.append(streamAppend('s2', 0));
    await store.close();

    await eventually(async () => heard.at(-1)?.head === last?.position, 'the last head');
    expect(heard.map((notice) => notice.head)).toContain(last?.position);
  });
});
