import { randomBytes } from 'node:crypto';
import { describe } from 'vitest';
import type { EventStore } from '../../src/store/event-store.js';
import {
  createPostgresEventStore,
  type PostgresEventStore,
} from '../../src/store/postgres/index.js';
import { quoteIdentifier, schemaNames } from '../../src/store/postgres/names.js';
import { adminQuery, postgresUrl } from './postgres-admin.js';

export { adminQuery, postgresUrl };

let warned = false;

/**
 * A describe block that runs with a database and is skipped, saying so once
 * per test process, without one. The body gets the connection string.
 */
export function describeWithPostgres(name: string, body: (url: string) => void): void {
  if (postgresUrl === undefined && !warned) {
    warned = true;
    console.warn('PostgreSQL tests skipped: DATASOURCE_REGISTRY_PG_URL is not set');
  }
  describe.skipIf(postgresUrl === undefined)(name, () => body(postgresUrl ?? ''));
}

/** The connection string with an application name, so a test can find its own connections. */
export function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', name);
  return parsed.toString();
}

/**
 * Opens stores on `schema` whose connections carry an application name, so
 * a test can find their sessions in `pg_stat_activity`; each store opened
 * goes into `opened`, for the test to close.
 */
export function storesNamed(
  url: string,
  schema: string,
  opened: EventStore[],
): (application: string) => PostgresEventStore {
  return (application) => {
    const store = createPostgresEventStore({
      connectionString: withApplicationName(url, application),
      schema,
    });
    opened.push(store);
    return store;
  };
}

/** A name no other test or run uses, valid as a schema or application name. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/**
 * Uniquely named schemas for the tests of one file, so files can run in
 * parallel against one database; `dropAll` removes every one handed out.
 */
export function testSchemas(url: string) {
  const made: string[] = [];
  return {
    next(prefix = 'dsreg_test'): string {
      const name = uniqueName(prefix);
      made.push(name);
      return name;
    },
    async dropAll(): Promise<void> {
      for (const schema of made.splice(0)) {
        await adminQuery(url, `DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      }
    },
  };
}

/** Polls until `check` holds, failing after `timeoutMs`: for effects that happen elsewhere. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined && result !== false) return result;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The backend that LISTENs for a schema's appends, once it does: its pid. */
export function listeningBackend(url: string, schema: string, timeoutMs?: number): Promise<number> {
  const listen = `LISTEN ${quoteIdentifier(schemaNames(schema).channel)}`;
  return eventually(
    async () => {
      const rows = await adminQuery<{ pid: number }>(
        url,
        `SELECT pid FROM pg_stat_activity WHERE query = $1 AND state = 'idle'`,
        [listen],
      );
      return rows[0]?.pid;
    },
    `a connection listening for schema ${schema}`,
    timeoutMs,
  );
}

/**
 * Makes every append of an event whose data holds `holdHere` (or, with
 * `marked`, of an event row `NEW` for which that SQL condition holds) wait
 * inside its transaction, its event inserted but not committed, until the
 * gate opens: the gate is a session advisory lock on `gateKey` the test
 * holds meanwhile. For tests of what others see, and wait for, while an
 * append is open.
 */
export async function holdMarkedAppends(
  url: string,
  schema: string,
  gateKey: readonly number[],
  marked = "NEW.data->>'holdHere' IS NOT NULL",
): Promise<void> {
  const s = quoteIdentifier(schema);
  await adminQuery(
    url,
    `CREATE FUNCTION ${s}.hold_marked() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF ${marked} THEN
         PERFORM pg_advisory_xact_lock_shared(${gateKey[0]}, ${gateKey[1]});
       END IF;
       RETURN NULL;
     END $$`,
  );
  await adminQuery(
    url,
    `CREATE TRIGGER hold_marked AFTER INSERT ON ${s}.events
       FOR EACH ROW EXECUTE FUNCTION ${s}.hold_marked()`,
  );
}
