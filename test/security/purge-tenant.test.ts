import { randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PURGED_SECRET } from '../../src/domain/secrets.js';
import {
  createMemoryEventStore,
  DataSourceRegistry,
  DataSourceType,
  ErrorCode,
  exportLog,
  importLog,
} from '../../src/index.js';
import { envelopeAad } from '../../src/security/event-secrets.js';
import { createTenantKeys } from '../../src/security/tenant-keys.js';
import { createSqliteEventStore, type SqliteEventStore } from '../../src/store/sqlite/index.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('purge-tenant-');
const KEY = randomBytes(32);
const SECRETS = {
  acmePassword: 'acme-pw-Hq71-plaintext',
  acmeClientSecret: 'acme-oauth-Jd22-plaintext',
  globexPassword: 'globex-pw-Wc55-plaintext',
} as const;

/**
 * An SQLite log with two tenants' secrets, and what an operator could have
 * kept from before acme's purge: a backup (both parts), a dump of the events
 * table and a copy of the whole file. Then acme is purged.
 */
async function purgedLog() {
  const dir = tempDir();
  const filename = join(dir, 'log.sqlite');
  const open = () =>
    DataSourceRegistry.open({ store: createSqliteEventStore({ filename }), encryptionKey: KEY });
  const registry = await open();
  const orders = await registry.register({
    tenantId: 'acme',
    name: 'Orders',
    sourceType: DataSourceType.DATABASE,
    config: { host: 'db.acme', password: SECRETS.acmePassword },
  });
  const api = await registry.register({
    tenantId: 'acme',
    name: 'API',
    sourceType: DataSourceType.API,
    config: { oauthConfig: { clientId: 'app', clientSecret: SECRETS.acmeClientSecret } },
  });
  const crm = await registry.register({
    tenantId: 'globex',
    name: 'CRM',
    sourceType: DataSourceType.DATABASE,
    config: { host: 'db.globex', password: SECRETS.globexPassword },
  });
  const before = registry.position;
  await registry.close();

  const backup = join(dir, 'events-before.ndjson');
  const keysBefore = join(dir, 'keys-before.ndjson');
  const exporting = createSqliteEventStore({ filename });
  await exportLog({ store: exporting, output: backup, keysOutput: keysBefore, mode: 'backup' });
  await exporting.close();
  const copy = join(dir, 'copy-before.sqlite');
  copyFileSync(filename, copy);
  const raw = new Database(filename, { readonly: true });
  const dump = raw.prepare('SELECT * FROM events').all() as { tenant_id: string; data: string }[];
  const wrappedBefore = raw.prepare('SELECT wrapped_key FROM data_keys').pluck().all() as string[];
  raw.close();

  const purging = await open();
  const deleted = await purging.purgeTenant('acme', { actor: 'dpo@example' });
  await purging.close();
  return {
    dir,
    filename,
    open,
    orders,
    api,
    crm,
    before,
    backup,
    keysBefore,
    copy,
    dump,
    wrappedBefore,
    deleted,
  };
}

/** Every `$sealed` token of a dumped row, with the event it belongs to. */
function sealedIn(row: Record<string, unknown>): { token: string; path: string[] }[] {
  const data = JSON.parse(String(row.data)) as { config?: Record<string, unknown> };
  const found: { token: string; path: string[] }[] = [];
  const visit = (value: unknown, path: string[]) => {
    if (typeof value !== 'object' || value === null) return;
    const sealed = (value as Record<string, unknown>).$sealed;
    if (typeof sealed === 'string') found.push({ token: sealed, path });
    else for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
  };
  visit(data.config, ['config']);
  return found;
}

describe('purging a tenant', () => {
  it('deletes its live sources, recording the purge in each one’s stream', async () => {
    const { open, orders, deleted } = await purgedLog();
    const registry = await open();

    const history = await registry.history(orders.sourceId);

    expect(deleted).toBe(2);
    expect(registry.list({ tenantId: 'acme' })).toEqual([]);
    expect(history.at(-1)).toMatchObject({
      type: 'DataSourceDeleted',
      data: { reason: 'tenant_purged' },
      metadata: { actor: 'dpo@example' },
    });
    await registry.close();
  });

  it('leaves no key in the store that opens a secret of the events as dumped before the purge', async () => {
    const { filename, dump } = await purgedLog();
    const store = createSqliteEventStore({ filename });
    const keys = createTenantKeys(store, [KEY]);

    const opened: (string | null)[] = [];
    for (const row of dump.filter((r) => r.tenant_id === 'acme')) {
      const event = {
        sourceId: String((row as Record<string, unknown>).source_id),
        eventId: String((row as Record<string, unknown>).event_id),
      };
      for (const { token, path } of sealedIn(row)) {
        const aad = envelopeAad(event as never, path as never);
        opened.push(await keys.openForTenant('acme', aad, token));
      }
    }
    await store.close();

    expect(opened.length).toBeGreaterThan(0);
    expect(opened.every((plaintext) => plaintext === null)).toBe(true);
  });

  it('restores an events backup taken before the purge with the secrets of the purged tenant as purged', async () => {
    const { dir, filename, backup, orders, crm } = await purgedLog();
    const keysAfter = join(dir, 'keys-after.ndjson');
    const store = createSqliteEventStore({ filename });
    await exportLog({
      store,
      output: join(dir, 'after.ndjson'),
      keysOutput: keysAfter,
      mode: 'backup',
    });
    await store.close();
    const target = createMemoryEventStore();

    await importLog({ store: target, input: backup, keysInput: keysAfter, encryptionKey: KEY });
    const restored = new DataSourceRegistry({ store: target, encryptionKey: KEY });

    expect(restored.get(orders.sourceId)?.config.password).toBe(PURGED_SECRET);
    expect(restored.get(crm.sourceId)?.config.password).toBe(SECRETS.globexPassword);
    expect(JSON.stringify(target.readAllSync())).not.toContain(SECRETS.acmePassword);
  });

  it('keeps the other tenants’ secrets readable', async () => {
    const { open, crm } = await purgedLog();
    const registry = await open();

    expect(registry.get(crm.sourceId)?.config.password).toBe(SECRETS.globexPassword);
    await registry.close();
  });

  it('replays after the purge, its history and the past showing the purged secrets as purged', async () => {
    const { open, orders, api, before } = await purgedLog();
    const registry = await open();

    const history = await registry.history(orders.sourceId);
    const past = await registry.at(before);

    expect(history[0]?.data).toMatchObject({ config: { password: PURGED_SECRET } });
    expect(past.get(orders.sourceId)?.config.password).toBe(PURGED_SECRET);
    expect(past.get(api.sourceId)?.config.oauthConfig).toEqual({
      clientId: PURGED_SECRET,
      clientSecret: PURGED_SECRET,
    });
    await registry.close();
  });

  it('shows the purged secrets as purged to a read-only registry, the others as "***"', async () => {
    const { filename, orders, crm } = await purgedLog();
    const reader = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      readOnly: true,
    });

    const [purged] = await reader.history(orders.sourceId);
    const kept = reader.get(crm.sourceId);
    await reader.close();

    expect(purged?.data).toMatchObject({ config: { password: PURGED_SECRET } });
    expect(kept?.config.password).toBe('***');
  });

  it('shows the purged secrets as purged in an audit export, the others as "***"', async () => {
    const { dir, filename } = await purgedLog();
    const store = createSqliteEventStore({ filename });
    const audit = join(dir, 'audit.ndjson');

    await exportLog({ store, output: audit, mode: 'audit' });
    await store.close();
    const lines = readFileSync(audit, 'utf8').trimEnd().split('\n');
    const registrations = lines
      .map(
        (line) =>
          JSON.parse(line) as {
            tenantId: string;
            type: string;
            data: { config?: { password?: unknown } };
          },
      )
      .filter(
        (event) => event.type === 'DataSourceRegistered' && event.data.config?.password != null,
      );

    expect(registrations.map((event) => [event.tenantId, event.data.config?.password])).toEqual([
      ['acme', PURGED_SECRET],
      ['globex', '***'],
    ]);
    expect(lines.some((line) => line.includes('"tenant_purged"'))).toBe(true);
  });

  it('lets a subscription replay the whole log after the purge, secrets shown as purged', async () => {
    const { open } = await purgedLog();
    const registry = await open();
    const passwords: unknown[] = [];
    let caughtUp!: () => void;
    const done = new Promise<void>((resolve) => {
      caughtUp = resolve;
    });
    const head = registry.position;

    const subscription = registry.subscribe({
      name: 'after-purge',
      handler: async (event) => {
        if (event.type === 'DataSourceRegistered') passwords.push(event.data.config.password);
        if (event.position === head) caughtUp();
      },
    });
    await done;
    await subscription.stop();
    await registry.close();

    expect(subscription.error).toBeNull();
    expect(passwords).toEqual([PURGED_SECRET, null, '***']);
  });

  it('leaves the wrapped key of the purged tenant nowhere in the SQLite file', async () => {
    const { filename, copy, wrappedBefore } = await purgedLog();
    const store = createSqliteEventStore({ filename });
    const after = await store.readDataKeys();
    await store.close();
    const bytes = readFileSync(filename).toString('latin1');
    const destroyed = wrappedBefore.filter(
      (wrapped) => !after.some((key) => key.wrappedKey === wrapped),
    );

    expect(destroyed).toHaveLength(1);
    // The copy made before the purge shows the search would find it.
    expect(readFileSync(copy).toString('latin1')).toContain(destroyed[0]?.split(':').at(-1));
    for (const wrapped of destroyed) {
      expect(bytes).not.toContain(wrapped.split(':').at(-1));
    }
  });

  it('is defeated by a copy of the data keys made before it: the documented limit', async () => {
    const { copy, orders } = await purgedLog();
    const fromCopy = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename: copy }),
      encryptionKey: KEY,
    });

    expect(fromCopy.get(orders.sourceId)?.config.password).toBe(SECRETS.acmePassword);
    await fromCopy.close();
  });

  it('is refused by a read-only registry, which writes nothing', async () => {
    const { filename } = await purgedLog();
    const store: SqliteEventStore = createSqliteEventStore({ filename });
    const reader = await DataSourceRegistry.open({ store, readOnly: true });
    const head = await store.head();

    const failure = await reader.purgeTenant('globex').catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: ErrorCode.FORBIDDEN });
    expect(await store.head()).toBe(head);
    expect((await store.readDataKeys('globex'))[0]?.wrappedKey).not.toBeNull();
    await reader.close();
  });

  it('refuses an expectedVersion with INVALID_INPUT', async () => {
    const { open } = await purgedLog();
    const registry = await open();

    const failure = await registry
      .purgeTenant('globex', { expectedVersion: 1 })
      .catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: ErrorCode.INVALID_INPUT });
    expect(registry.list({ tenantId: 'globex' })).toHaveLength(1);
    await registry.close();
  });
});
