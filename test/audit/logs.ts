/**
 * What the export and import tests share: a log that uses every kind of
 * event and every kind of secret, written through a registry on SQLite, and
 * the view of a registry as plain JSON for comparing two of them.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DataSourceRegistry, type EventStore } from '../../src/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { plainJson } from '../support/plain.js';
import { sequentialIds, testClock } from '../support/registry-fixtures.js';

export const KEY = randomBytes(32);

/** Secrets of the seeded log; none may appear in any export file. */
export const SECRETS = {
  password: 'pw-Zq81-plaintext',
  apiKey: 'ak-Vx42-plaintext',
  connectionString: 'postgres://orders:cs-Lm93-plaintext@db.internal/orders',
  clientSecret: 'oauth-Tk55-plaintext',
  newPassword: 'pw2-Rr07-plaintext',
} as const;

const TENANTS = ['acme', 'globex'] as const;
/** A tenant the seed purges, with no source, so the log holds a TenantPurged and no key is destroyed. */
export const PURGED_TENANT = 'initech';

/**
 * Fills the registry with sources of two tenants: secrets of every kind,
 * renames, a config change, tags, roles, errors, connections, deprecation, a
 * delete whose name is then reused, a tenant cleared and refilled, and a
 * tenant with no source purged (its TenantPurged on its own stream).
 */
export async function seed(registry: DataSourceRegistry): Promise<void> {
  const orders = await registry.register({
    tenantId: 'acme',
    name: 'Orders',
    sourceType: 'database',
    config: { host: 'db.internal', port: 5432, password: SECRETS.password },
    tags: ['prod'],
  });
  const api = await registry.register({
    tenantId: 'acme',
    name: 'Billing API',
    sourceType: 'api',
    config: {
      apiKey: SECRETS.apiKey,
      oauthConfig: { clientId: 'app', clientSecret: SECRETS.clientSecret },
    },
    accessRoles: ['finance'],
  });
  const warehouse = await registry.register({
    tenantId: 'acme',
    name: 'Warehouse',
    sourceType: 'database',
    config: { connectionString: SECRETS.connectionString },
    metadata: { team: 'data' },
  });
  await registry.activate(orders.sourceId);
  await registry.recordConnection(orders.sourceId);
  await registry.recordError(api.sourceId, 'timeout');
  await registry.update(orders.sourceId, { name: 'Orders (primary)', description: 'main' });
  await registry.updateConfig(orders.sourceId, {
    host: 'db2.internal',
    password: SECRETS.newPassword,
  });
  await registry.addTag(api.sourceId, 'external');
  await registry.grantAccess(warehouse.sourceId, 'analyst');
  await registry.deprecate(warehouse.sourceId);
  await registry.delete(api.sourceId);
  await registry.register({ tenantId: 'acme', name: 'Billing API', sourceType: 'api' });
  for (let i = 0; i < 5; i++) {
    await registry.register({ tenantId: 'globex', name: `feed ${i}`, sourceType: 'stream' });
  }
  await registry.clearTenant('globex');
  await registry.register({ tenantId: 'globex', name: 'feed 0', sourceType: 'file' });
  await registry.purgeTenant(PURGED_TENANT, { actor: 'auditor@acme' });
}

/** A registry on a new SQLite file in `dir`, seeded; closed, with its filename. */
export async function seededSqliteLog(dir: string): Promise<string> {
  const filename = join(dir, 'source.sqlite');
  const registry = await DataSourceRegistry.open({
    store: createSqliteEventStore({ filename }),
    encryptionKey: KEY,
    clock: testClock(),
    newId: sequentialIds('src'),
  });
  await seed(registry);
  await registry.close();
  return filename;
}

/** Everything a registry answers, as plain JSON with secrets as they are. */
export async function viewOf(registry: DataSourceRegistry): Promise<string> {
  const sources = TENANTS.flatMap((tenantId) => registry.list({ tenantId, limit: 1000 }));
  const histories = [];
  for (const source of sources) histories.push(await registry.history(source.sourceId));
  return plainJson({
    sources,
    byId: sources.map((source) => registry.get(source.sourceId)),
    stats: registry.getStatistics(),
    tenantStats: TENANTS.map((tenantId) => registry.getStatistics(tenantId)),
    histories,
    tenantStream: await registry.history(`$tenant:${PURGED_TENANT}`),
    position: registry.position,
  });
}

/** A registry opened on `store` with the seeding key, read whole, then closed. */
export async function viewOfStore(store: EventStore): Promise<string> {
  const registry = await DataSourceRegistry.open({ store, encryptionKey: KEY });
  try {
    return await viewOf(registry);
  } finally {
    await registry.close();
  }
}
