import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AppendRequest,
  createMemoryEventStore,
  type DataSourceEvent,
  DataSourceRegistry,
  ErrorCode,
  type EventStore,
} from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { claim, pendingEvent, streamAppend } from '../store/conformance-fixtures.js';
import { adminQuery, describeWithPostgres, testSchemas } from '../support/postgres.js';
import { failsWith } from '../support/registry-fixtures.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('atomic-append-');

/**
 * One command's append over two streams with a claim, whose second event
 * cannot be stored: `failing` is that event's data, made so the store under
 * test fails on it after it has begun writing.
 */
function appendFailingInTheMiddle(failing: unknown): AppendRequest {
  return {
    events: [
      pendingEvent({ sourceId: 'a', streamVersion: 1 }),
      pendingEvent({ sourceId: 'a', streamVersion: 2, data: failing }),
      pendingEvent({ sourceId: 'b', streamVersion: 1 }),
    ],
    expectedVersions: { a: 0, b: 0 },
    claims: [claim('name-a', 'a'), claim('name-b', 'b')],
  };
}

/** Fails the test unless the store holds exactly what it held before the failed append. */
async function expectNothingOfIt(store: EventStore) {
  expect(await store.head()).toBe(1);
  expect((await store.readAll()).map((event) => event.sourceId)).toEqual(['before']);
  expect(await store.readStream('a')).toEqual([]);
  expect(await store.readStream('b')).toEqual([]);
  // The streams are still new and the keys still free: another owner may take them.
  await store.append({
    events: [pendingEvent({ sourceId: 'a', streamVersion: 1 })],
    expectedVersions: { a: 0, b: 0 },
    claims: [claim('name-a', 'someone-else'), claim('name-b', 'someone-else')],
  });
}

describe('an append that fails in the middle leaves nothing of it', () => {
  it('in the memory store', async () => {
    const store = createMemoryEventStore();
    await store.append(streamAppend('before', 0));
    const failing = {
      get unreadable() {
        throw new Error('this value cannot be read');
      },
    };

    await expect(store.append(appendFailingInTheMiddle(failing))).rejects.toThrow(/cannot be read/);

    await expectNothingOfIt(store);
  });

  it('in the SQLite store', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const store = createSqliteEventStore({ filename });
    await store.append(streamAppend('before', 0));
    const db = new Database(filename);
    db.exec(`CREATE TRIGGER fail_marked BEFORE INSERT ON events
               WHEN json_extract(NEW.data, '$.failHere') IS NOT NULL
               BEGIN SELECT RAISE(ABORT, 'failure planted by the test'); END`);
    db.close();

    await failsWith(
      () => store.append(appendFailingInTheMiddle({ failHere: true })),
      ErrorCode.STORE_ERROR,
    );

    await expectNothingOfIt(store);
    await store.close();
  });

  it('for a registry on SQLite: a clearTenant that fails leaves the log, the view and the listeners as they were', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const encryptionKey = randomBytes(32);
    const registry = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      encryptionKey,
    });
    await registry.register({ tenantId: 'acme', name: 'a', sourceType: 'api' });
    const second = await registry.register({ tenantId: 'acme', name: 'b', sourceType: 'api' });
    const db = new Database(filename);
    db.prepare(
      `CREATE TRIGGER fail_second BEFORE INSERT ON events
         WHEN NEW.type = 'DataSourceDeleted' AND NEW.source_id = '${second.sourceId}'
         BEGIN SELECT RAISE(ABORT, 'failure planted by the test'); END`,
    ).run();
    db.close();
    const heard: DataSourceEvent[] = [];
    registry.on('*', (event) => heard.push(event));

    await failsWith(() => registry.clearTenant('acme'), ErrorCode.STORE_ERROR);

    expect(registry.count({ tenantId: 'acme' })).toBe(2);
    expect(registry.position).toBe(2);
    expect(heard).toEqual([]);
    await registry.close();
    const reopened = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      encryptionKey,
    });
    expect(reopened.position).toBe(2);
    expect(reopened.count({ tenantId: 'acme' })).toBe(2);
    await reopened.close();
  });
});

describeWithPostgres('an append that fails in the middle leaves nothing of it', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  it('in the PostgreSQL store', async () => {
    const schema = schemas.next();
    const s = quoteIdentifier(schema);
    const store = createPostgresEventStore({ connectionString: url, schema });
    await store.append(streamAppend('before', 0));
    await adminQuery(
      url,
      `CREATE FUNCTION ${s}.fail_marked() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.data->>'failHere' IS NOT NULL THEN
           RAISE EXCEPTION 'failure planted by the test';
         END IF;
         RETURN NEW;
       END $$`,
    );
    await adminQuery(
      url,
      `CREATE TRIGGER fail_marked BEFORE INSERT ON ${s}.events
         FOR EACH ROW EXECUTE FUNCTION ${s}.fail_marked()`,
    );

    await failsWith(
      () => store.append(appendFailingInTheMiddle({ failHere: true })),
      ErrorCode.STORE_ERROR,
    );

    await expectNothingOfIt(store);
    await store.close();
  });
});
