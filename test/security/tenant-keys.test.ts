import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataSourceRegistry, DataSourceType, ErrorCode } from '../../src/index.js';
import { sealEventSecrets } from '../../src/security/event-secrets.js';
import { createKeyListCipher } from '../../src/security/key-list-cipher.js';
import { protectSecrets } from '../../src/security/protected-store.js';
import { createTenantKeys } from '../../src/security/tenant-keys.js';
import type { PendingEvent } from '../../src/store/event-store.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { eventConfig } from '../support/plain.js';
import { describeWithPostgres, testSchemas } from '../support/postgres.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('tenant-keys-');
const KEY = randomBytes(32);
const PASSWORD = 'pw-Nn43-plaintext';

const sqliteStore = () => createSqliteEventStore({ filename: join(tempDir(), 'log.sqlite') });

function registered(sourceId: string, eventId: string, password: string): PendingEvent {
  return {
    eventId,
    type: 'DataSourceRegistered',
    schemaVersion: 2,
    sourceId,
    tenantId: 'acme',
    streamVersion: 1,
    occurredAt: '2024-05-01T12:00:00.000Z',
    data: {
      name: `Source ${sourceId}`,
      sourceType: 'database',
      config: eventConfig({ password }),
      description: null,
      tags: [],
      metadata: {},
      accessRoles: [],
      ownerId: null,
    },
    metadata: {},
  };
}

describe('a tenant data key', () => {
  it('seals and opens a value of the tenant, the token naming the data key', async () => {
    const store = sqliteStore();
    const keys = createTenantKeys(store, [KEY]);

    const token = await keys.sealForTenant('acme', 'snapshot:1', PASSWORD);
    const [dataKey] = await store.readDataKeys('acme');

    expect(token.startsWith(`v2:${dataKey?.keyId}:`)).toBe(true);
    expect(await keys.openForTenant('acme', 'snapshot:1', token)).toBe(PASSWORD);
    await store.close();
  });

  it('is stored wrapped under the master key, never in a form that holds the key', async () => {
    const store = sqliteStore();
    const keys = createTenantKeys(store, [KEY]);
    await keys.sealForTenant('acme', 'x', PASSWORD);

    const [dataKey] = await store.readDataKeys('acme');

    expect(dataKey?.wrappedKey).toMatch(/^v1:[0-9a-f]{16}:/);
    await store.close();
  });

  it('refuses a token given other additional data, or for another tenant', async () => {
    const store = sqliteStore();
    const keys = createTenantKeys(store, [KEY]);
    const token = await keys.sealForTenant('acme', 'snapshot:1', PASSWORD);
    await keys.sealForTenant('globex', 'snapshot:1', 'other');

    const moved = await keys.openForTenant('acme', 'snapshot:2', token).catch((e: unknown) => e);
    const stolen = await keys.openForTenant('globex', 'snapshot:1', token).catch((e: unknown) => e);

    expect(moved).toMatchObject({ code: ErrorCode.SECRET_UNAVAILABLE });
    expect(stolen).toMatchObject({ code: ErrorCode.SECRET_UNAVAILABLE });
    await store.close();
  });

  it('opens in another instance that holds the master key', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const writer = createSqliteEventStore({ filename });
    const token = await createTenantKeys(writer, [KEY]).sealForTenant('acme', 'x', PASSWORD);
    const reader = createSqliteEventStore({ filename });

    const opened = await createTenantKeys(reader, [KEY]).openForTenant('acme', 'x', token);

    expect(opened).toBe(PASSWORD);
    await writer.close();
    await reader.close();
  });
});

describe('secrets of events under tenant data keys', () => {
  it('detect an older ciphertext replayed into a newer event of the same source and field', async () => {
    const store = sqliteStore();
    const protectedStore = protectSecrets(store, KEY);
    const [first] = await protectedStore.append({
      events: [registered('s1', 'e1', PASSWORD)],
      expectedVersions: { s1: 0 },
    });
    const [stored] = await store.readAll();
    const { config } = (stored as PendingEvent).data as { config: unknown };
    // Someone with write access copies the sealed password into a newer event of the same source.
    await store.append({
      events: [
        {
          ...(stored as PendingEvent),
          eventId: 'e2',
          type: 'DataSourceConfigUpdated',
          streamVersion: 2,
          data: { config },
        },
      ],
      expectedVersions: { s1: 1 },
    });

    const failure = await protectedStore
      .readAll({ after: first?.position ?? 0 })
      .catch((e: unknown) => e);

    expect(failure).toMatchObject({
      code: ErrorCode.SECRET_UNAVAILABLE,
      details: { eventId: 'e2' },
    });
    await store.close();
  });

  it('keep opening tokens sealed under the master key before data keys existed', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const store = createSqliteEventStore({ filename });
    const old = sealEventSecrets(registered('s1', 'e1', PASSWORD), createKeyListCipher([KEY]));
    await store.append({ events: [old], expectedVersions: { s1: 0 } });
    await store.close();

    const registry = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      encryptionKey: KEY,
    });

    expect(registry.get('s1')?.config.password).toBe(PASSWORD);
    await registry.close();
  });

  it('leave no secret in plaintext in the SQLite file', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const registry = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      encryptionKey: KEY,
    });
    await registry.register({
      tenantId: 'acme',
      name: 'Orders',
      sourceType: DataSourceType.DATABASE,
      config: { password: PASSWORD },
    });
    await registry.close();

    expect(readFileSync(filename).toString('utf8')).not.toContain(PASSWORD);
  });
});

describeWithPostgres('tenant data keys on PostgreSQL', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  it('are one per tenant when several instances write its first secrets at once', async () => {
    const schema = schemas.next('dsreg_dk');
    const store = () => createPostgresEventStore({ connectionString: url, schema });
    const instances = await Promise.all(
      [0, 1, 2, 3].map(() => DataSourceRegistry.open({ store: store(), encryptionKey: KEY })),
    );

    const sources = await Promise.all(
      instances.map((registry, i) =>
        registry.register({
          tenantId: 'acme',
          name: `Source ${i}`,
          sourceType: DataSourceType.DATABASE,
          config: { password: `${PASSWORD}-${i}` },
        }),
      ),
    );
    const reader = await DataSourceRegistry.open({ store: store(), encryptionKey: KEY });
    const keys = store();

    expect(await keys.readDataKeys('acme')).toHaveLength(1);
    sources.forEach((source, i) => {
      expect(reader.get(source.sourceId)?.config.password).toBe(`${PASSWORD}-${i}`);
    });
    await keys.close();
    await reader.close();
    await Promise.all(instances.map((registry) => registry.close()));
  });
});
