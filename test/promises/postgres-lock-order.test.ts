import { randomInt } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import type { AppendRequest, EventStore } from '../../src/store/event-store.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { claim, pendingEvent, streamAppend } from '../store/conformance-fixtures.js';
import { barrier } from '../support/barrier.js';
import {
  adminQuery,
  describeWithPostgres,
  eventually,
  testSchemas,
  uniqueName,
  withApplicationName,
} from '../support/postgres.js';

const ROUNDS = 3;

/**
 * Two appends that lock the same two rows, each naming them in the opposite
 * order, are made to meet in the middle: a trigger holds each transaction
 * right after its first row lock, on an advisory lock the test holds, until
 * both are stuck (on that lock, or on a row the other holds). Locking in the
 * order given would now deadlock every time; locking in a sorted order makes
 * the second wait behind the first.
 */
describeWithPostgres('PostgreSQL appends locking the same rows in opposite orders', (url) => {
  const schemas = testSchemas(url);
  const application = uniqueName('dsreg_lock_order');
  const gateKey = [randomInt(1, 2 ** 31), randomInt(1, 2 ** 31)] as const;
  const driverErrors: { code?: string }[] = [];
  let pool: pg.Pool;
  let store: EventStore;
  /** A second store object on the same log: one store writes its batches one at a time, two race. */
  let other: EventStore;
  let schema: string;
  let gateHolder: pg.Client;

  beforeAll(async () => {
    schema = schemas.next();
    pool = new pg.Pool({ connectionString: withApplicationName(url, application), max: 4 });
    // Every error the server answers the store with, so a deadlock shows even when reported as a conflict.
    const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
    (pool as unknown as { query: typeof query }).query = async (...args) => {
      try {
        return await query(...args);
      } catch (error) {
        driverErrors.push(error as { code?: string });
        throw error;
      }
    };
    store = createPostgresEventStore({ pool, schema });
    await store.head();
    other = createPostgresEventStore({ pool, schema });
    await other.head();
    const s = quoteIdentifier(schema);
    await adminQuery(
      url,
      `CREATE FUNCTION ${s}.hold_after_first_row() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF current_setting('dsreg_test.held', true) IS DISTINCT FROM 'yes' THEN
           PERFORM set_config('dsreg_test.held', 'yes', true);
           PERFORM pg_advisory_xact_lock_shared(${gateKey[0]}, ${gateKey[1]});
         END IF;
         RETURN NULL;
       END $$`,
    );
    gateHolder = new pg.Client(url);
    await gateHolder.connect();
  });

  afterAll(async () => {
    await gateHolder?.end();
    await store?.close();
    await other?.close();
    await pool?.end();
    await schemas.dropAll();
  });

  async function holdAfterFirstRowOf(table: 'streams' | 'claims') {
    const s = quoteIdentifier(schema);
    await adminQuery(url, `DROP TRIGGER IF EXISTS hold_after_first_row ON ${s}.streams`);
    await adminQuery(url, `DROP TRIGGER IF EXISTS hold_after_first_row ON ${s}.claims`);
    await adminQuery(
      url,
      `CREATE TRIGGER hold_after_first_row AFTER INSERT OR UPDATE ON ${s}.${table}
         FOR EACH ROW EXECUTE FUNCTION ${s}.hold_after_first_row()`,
    );
  }

  /** Runs both appends, started together, through the meeting point; their outcomes. */
  async function race(first: AppendRequest, second: AppendRequest) {
    await gateHolder.query('SELECT pg_advisory_lock($1, $2)', [...gateKey]);
    const start = barrier(2);
    const racers: [EventStore, AppendRequest][] = [
      [store, first],
      [other, second],
    ];
    const outcomes = Promise.allSettled(
      racers.map(async ([writer, request]) => {
        await start.arrive();
        return writer.append(request);
      }),
    );
    try {
      await eventually(async () => {
        const [row] = await adminQuery<{ stuck: number }>(
          url,
          `SELECT count(*)::int AS stuck FROM pg_stat_activity
            WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [application],
        );
        return row?.stuck === 2;
      }, 'both appends to be held at the meeting point or behind each other');
    } finally {
      await gateHolder.query('SELECT pg_advisory_unlock($1, $2)', [...gateKey]);
    }
    return outcomes;
  }

  const codeOf = (result: PromiseSettledResult<unknown>) =>
    result.status === 'fulfilled'
      ? 'appended'
      : result.reason instanceof DataSourceError
        ? result.reason.code
        : String(result.reason);

  it('on two streams: one lands, the other gets CONCURRENCY_CONFLICT, and none deadlocks', async () => {
    await holdAfterFirstRowOf('streams');
    for (let round = 0; round < ROUNDS; round++) {
      const [x, y] = [`x${round}`, `y${round}`];
      await store.append(streamAppend(x, 0));
      await store.append(streamAppend(y, 0));
      const both = (order: string[]): AppendRequest => ({
        events: order.map((id) => pendingEvent({ sourceId: id, streamVersion: 2 })),
        expectedVersions: Object.fromEntries(order.map((id) => [id, 1])),
      });
      driverErrors.length = 0;

      const results = await race(both([x, y]), both([y, x]));

      expect(driverErrors.filter((error) => error.code === '40P01')).toEqual([]);
      expect(results.map(codeOf).sort()).toEqual([ErrorCode.CONCURRENCY_CONFLICT, 'appended']);
    }
  });

  it('on two keys one owner claims: both land, and none deadlocks', async () => {
    await holdAfterFirstRowOf('claims');
    for (let round = 0; round < ROUNDS; round++) {
      const keys = [`k${round}-1`, `k${round}-2`];
      const claiming = (streamId: string, order: string[]): AppendRequest => ({
        ...streamAppend(streamId, 0),
        claims: order.map((key) => claim(key, 'one-owner')),
      });
      driverErrors.length = 0;

      const results = await race(
        claiming(`p${round}`, keys),
        claiming(`q${round}`, [...keys].reverse()),
      );

      expect(driverErrors.filter((error) => error.code === '40P01')).toEqual([]);
      expect(results.map(codeOf)).toEqual(['appended', 'appended']);
    }
  });
});
