import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataSourceRegistry, type EventStore } from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { describeWithPostgres, testSchemas } from '../support/postgres.js';
import { SECRET_CONFIG, SECRETS, shownSecrets } from '../support/printed-secrets.js';
import { useTempDir } from '../support/temp-dir.js';

const encryptionKey = randomBytes(32);
const opened: DataSourceRegistry[] = [];
afterEach(async () => {
  for (const registry of opened.splice(0)) await registry.close();
});

async function open(store: EventStore) {
  const registry = await DataSourceRegistry.open({ store, encryptionKey });
  opened.push(registry);
  return registry;
}

/**
 * Registers and reconfigures a source through one registry, then opens a
 * second on the same store, which folds the source from the stored events.
 */
function replaysMaskedSources(newStore: () => EventStore) {
  it('prints a source replayed from the store with its secrets masked', async () => {
    const writer = await open(newStore());
    const { sourceId } = await writer.register({
      tenantId: 'acme',
      name: 'Orders',
      sourceType: 'database',
      config: SECRET_CONFIG,
    });
    await writer.updateConfig(sourceId, { ...SECRET_CONFIG, database: 'orders' });

    const reader = await open(newStore());
    const replayed = reader.get(sourceId);
    expect(replayed?.config.database).toBe('orders');
    expect(shownSecrets([replayed, reader.list()])).toEqual({});
  });

  it('gives the plaintext secrets of a replayed source on property access', async () => {
    const writer = await open(newStore());
    const { sourceId } = await writer.register({
      tenantId: 'acme',
      name: 'Orders',
      sourceType: 'database',
      config: SECRET_CONFIG,
    });

    const replayed = (await open(newStore())).get(sourceId);
    expect(replayed?.config.password).toBe(SECRETS.password);
    expect(replayed?.config.oauthConfig?.clientSecret).toBe(SECRETS.oauthSecret);
  });
}

describe('a registry on an SQLite file', () => {
  const tempDir = useTempDir('masked-printing-');
  let filename = '';
  afterEach(() => {
    filename = '';
  });
  replaysMaskedSources(() => {
    filename ||= join(tempDir(), 'registry.sqlite');
    return createSqliteEventStore({ filename });
  });
});

describeWithPostgres('registries sharing a PostgreSQL log', (url) => {
  const schemas = testSchemas(url);
  let schema = '';
  afterEach(async () => {
    for (const registry of opened.splice(0)) await registry.close();
    schema = '';
    await schemas.dropAll();
  });
  replaysMaskedSources(() => {
    schema ||= schemas.next('dsreg_masked');
    return createPostgresEventStore({ connectionString: url, schema });
  });
});
