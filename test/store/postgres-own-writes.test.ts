import { randomInt } from 'node:crypto';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import type { EventStore, StoredEvent } from '../../src/store/event-store.js';
import {
  adminQuery,
  describeWithPostgres,
  eventually,
  holdMarkedAppends,
  storesNamed,
  testSchemas,
  uniqueName,
} from '../support/postgres.js';
import { pendingEvent, streamAppend } from './conformance.js';

/**
 * A store's own append, committed while an older append is still open: it
 * cannot be read before the older one ends, and the store's read waits for
 * it on the server, in one statement, rather than reading again and again.
 */
describeWithPostgres('a PostgreSQL store reading its own append behind an open one', (url) => {
  const schemas = testSchemas(url);
  const gateKey = [randomInt(1, 2 ** 31), randomInt(1, 2 ** 31)];
  const stores: EventStore[] = [];
  afterAll(async () => {
    for (const store of stores.splice(0)) await store.close();
    await schemas.dropAll();
  });

  const sessions = (application: string) =>
    adminQuery<{ query: string; wait_event: string | null; wait_event_type: string | null }>(
      url,
      `SELECT query, wait_event, wait_event_type FROM pg_stat_activity
        WHERE application_name = $1 AND state = 'active'`,
      [application],
    );

  it('waits on the server until the older append commits, then returns both', async () => {
    const schema = schemas.next();
    const holder = uniqueName('dsreg_holder');
    const reader = uniqueName('dsreg_own_reader');
    const open = storesNamed(url, schema, stores);
    const held = open(holder);
    const writer = open(reader);
    await writer.append(streamAppend('first', 0));
    await holdMarkedAppends(url, schema, gateKey);
    const gate = new pg.Client(url);
    await gate.connect();
    let heldAppend: Promise<StoredEvent[]> | undefined;
    let reading: Promise<StoredEvent[]> | undefined;
    let settled = false;
    try {
      await gate.query('SELECT pg_advisory_lock($1, $2)', gateKey);
      heldAppend = held.append({
        events: [pendingEvent({ sourceId: 'held', streamVersion: 1, data: { holdHere: true } })],
        expectedVersions: { held: 0 },
      });
      await eventually(
        async () => (await sessions(holder)).some((row) => row.wait_event_type === 'Lock'),
        'the older append to be held',
      );
      await writer.append(streamAppend('mine', 0));
      reading = writer.readAll({ after: 1 });
      reading.then(
        () => {
          settled = true;
        },
        () => {
          settled = true;
        },
      );
      const waiting = await eventually(async () => {
        const rows = await sessions(reader);
        return rows.find((row) => row.query.includes('read_page') && row.wait_event === 'PgSleep');
      }, 'the read to wait on the server');

      expect(waiting.query).toContain('read_page');
      expect(settled).toBe(false);
    } finally {
      await gate.query('SELECT pg_advisory_unlock($1, $2)', gateKey);
      await gate.end();
    }
    await heldAppend;
    const events = await reading;
    expect(events?.map((event) => event.sourceId)).toEqual(['held', 'mine']);
  });
});
