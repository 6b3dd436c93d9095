/**
 * Purging a tenant on PostgreSQL (against \`pg_dump\`), on a memory registry,
 * and on stores that keep no data keys; docs/security.md says what each does.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataSourceRegistry, DataSourceType, ErrorCode, type EventStore } from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { describeWithPostgres, testSchemas } from '../support/postgres.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('purge-tenant-stores-');
const KEY = randomBytes(32);
const SECRETS = {
  acmePassword: 'acme-pw-Hq71-plaintext',
  globexPassword: 'globex-pw-Wc55-plaintext',
} as const;

/** `pg_dump` of one table's rows, as an operator would take it. */
function pgDump(url: string, schema: string, table: string): string {
  return execFileSync(
    'pg_dump',
    ['--dbname', url, '--data-only', '--table', `${quoteIdentifier(schema)}.${table}`],
    {
      encoding: 'utf8',
    },
  );
}

/** A source of the tenant to purge, with a secret to shred. */
const ACME_ORDERS = {
  tenantId: 'acme',
  name: 'Orders',
  sourceType: DataSourceType.DATABASE,
  config: { password: SECRETS.acmePassword },
};

const DATA_KEY_TOKEN = /v2:([0-9a-f]{16}):[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]*/g;

describe('purging a tenant elsewhere', () => {
  it('destroys the key of a tenant whose sources were already deleted, appending only its TenantPurged', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const store = createSqliteEventStore({ filename });
    const registry = await DataSourceRegistry.open({ store, encryptionKey: KEY });
    await registry.register(ACME_ORDERS);
    await registry.clearTenant('acme');
    const head = await store.head();
    const keys = createSqliteEventStore({ filename });

    const deleted = await registry.purgeTenant('acme');

    expect(deleted).toBe(0);
    const appended = await store.readAll({ after: head });
    expect(appended.map((event) => [event.type, event.sourceId])).toEqual([
      ['TenantPurged', '$tenant:acme'],
    ]);
    expect((await keys.readDataKeys('acme'))[0]?.wrappedKey).toBeNull();
    await keys.close();
    await registry.close();
  });

  it('only deletes the sources of a memory registry, which has nothing to shred', async () => {
    const registry = new DataSourceRegistry({ encryptionKey: KEY });
    const orders = await registry.register(ACME_ORDERS);

    const deleted = await registry.purgeTenant('acme');
    const history = await registry.history(orders.sourceId);

    expect(deleted).toBe(1);
    expect(history.at(-1)?.data).toEqual({ reason: 'tenant_purged' });
  });

  it('is refused on a durable store that keeps no data keys, before anything is written', async () => {
    const sqlite = createSqliteEventStore({ filename: join(tempDir(), 'log.sqlite') });
    // A store of someone else's making: the EventStore contract without the data-key methods.
    const store: EventStore = {
      kind: 'custom',
      durable: true,
      append: (request) => sqlite.append(request),
      readAll: (options) => sqlite.readAll(options),
      readStream: (streamId) => sqlite.readStream(streamId),
      head: () => sqlite.head(),
      subscribe: (listener) => sqlite.subscribe(listener),
      close: () => sqlite.close(),
    };
    const registry = await DataSourceRegistry.open({ store, encryptionKey: KEY });
    await registry.register(ACME_ORDERS);
    const head = await store.head();

    const failure = await registry.purgeTenant('acme').catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: ErrorCode.FORBIDDEN });
    expect(await store.head()).toBe(head);
    expect(registry.list({ tenantId: 'acme' })).toHaveLength(1);
    await registry.close();
  });
});

describeWithPostgres('purging a tenant of a PostgreSQL log', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  it('leaves no key in the store for the secrets of a pg_dump of the events taken before it', async () => {
    const schema = schemas.next('dsreg_purge');
    const store = createPostgresEventStore({ connectionString: url, schema });
    const registry = await DataSourceRegistry.open({ store, encryptionKey: KEY });
    await registry.register(ACME_ORDERS);
    const crm = await registry.register({
      tenantId: 'globex',
      name: 'CRM',
      sourceType: DataSourceType.DATABASE,
      config: { password: SECRETS.globexPassword },
    });
    const globexKeyId = (await store.readDataKeys('globex'))[0]?.keyId;
    const dumpBefore = pgDump(url, schema, 'events');

    await registry.purgeTenant('acme');
    const keys = createPostgresEventStore({ connectionString: url, schema });
    const keysAfter = await keys.readDataKeys();
    const keyDumpAfter = pgDump(url, schema, 'data_keys');

    const named = new Set([...dumpBefore.matchAll(DATA_KEY_TOKEN)].map((match) => match[1]));
    const acmeKeyIds = [...named].filter((id) => id !== globexKeyId);
    expect(acmeKeyIds).toHaveLength(1);
    for (const id of acmeKeyIds) {
      expect(keysAfter.find((key) => key.keyId === id)).toEqual({
        keyId: id,
        tenantId: 'acme',
        wrappedKey: null,
      });
    }
    expect(dumpBefore).not.toContain(SECRETS.acmePassword);
    expect(keyDumpAfter.match(/v1:[0-9a-f]{16}:/g)).toHaveLength(1);
    expect(registry.get(crm.sourceId)?.config.password).toBe(SECRETS.globexPassword);
    await keys.close();
    await registry.close();
  });
});
