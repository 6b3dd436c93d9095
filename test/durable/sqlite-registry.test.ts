import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DataSourceError,
  type DataSourceEvent,
  DataSourceRegistry,
  ErrorCode,
} from '../../src/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { barrier, firstAppendWaitsFor } from '../support/barrier.js';
import { plainJson } from '../support/plain.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('registry-sqlite-');
const key = randomBytes(32);
const PASSWORD = 'hunter2-plaintext-password';
const API_KEY = 'sk-live-plaintext-api-key';
const OAUTH_SECRET = 'oauth-client-secret-plaintext';

const opened: DataSourceRegistry[] = [];
afterEach(async () => {
  for (const registry of opened.splice(0)) await registry.close();
});

async function openRegistry(
  filename: string,
  encryptionKey: Uint8Array | null = key,
  meet?: () => Promise<void>,
) {
  const store = createSqliteEventStore({ filename });
  const registry = await DataSourceRegistry.open({
    store: meet ? firstAppendWaitsFor(store, meet) : store,
    ...(encryptionKey ? { encryptionKey } : {}),
  });
  opened.push(registry);
  return registry;
}

const stateOf = (registry: DataSourceRegistry) =>
  plainJson([registry.list({ limit: 10_000 }), registry.getStatistics()]);

function secretSource(tenantId = 'acme', name = 'Orders') {
  return {
    tenantId,
    name,
    sourceType: 'database' as const,
    config: {
      host: 'db.internal',
      username: 'app',
      password: PASSWORD,
      apiKey: API_KEY,
      oauthConfig: { clientSecret: OAUTH_SECRET },
    },
  };
}

function rawBytes(filename: string): string {
  return [filename, `${filename}-wal`]
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file).toString('latin1'))
    .join('');
}

describe('a registry on an SQLite file', () => {
  it('replays the same state after it is closed and opened again', async () => {
    const filename = join(tempDir(), 'log.db');
    const first = await openRegistry(filename);
    const source = await first.register(secretSource());
    await first.activate(source.sourceId);
    await first.recordError(source.sourceId, 'timeout');
    await first.addTag(source.sourceId, 'prod');
    const before = stateOf(first);
    await first.close();

    const second = await openRegistry(filename);
    expect(stateOf(second)).toBe(before);
    expect(second.get(source.sourceId)?.config.password).toBe(PASSWORD);
  });

  it('never writes a secret to the file in plaintext', async () => {
    const filename = join(tempDir(), 'log.db');
    const registry = await openRegistry(filename);
    const source = await registry.register(secretSource());
    await registry.updateConfig(source.sourceId, { ...source.config, password: `${PASSWORD}-2` });

    const bytes = rawBytes(filename);
    expect(bytes).toContain('DataSourceConfigUpdated');
    for (const secret of [PASSWORD, API_KEY, OAUTH_SECRET]) expect(bytes).not.toContain(secret);
  });

  it('refuses a secret without an encryption key and writes nothing', async () => {
    const filename = join(tempDir(), 'log.db');
    const previous = process.env.DATASOURCE_REGISTRY_KEY;
    delete process.env.DATASOURCE_REGISTRY_KEY;
    try {
      const registry = await openRegistry(filename, null);
      const heard: DataSourceEvent[] = [];
      registry.on('*', (event) => heard.push(event));
      const failure = await registry.register(secretSource()).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(DataSourceError);
      expect((failure as DataSourceError).code).toBe(ErrorCode.SECRET_UNAVAILABLE);
      expect((failure as DataSourceError).message).toContain('DATASOURCE_REGISTRY_KEY');
      expect(registry.position).toBe(0);
      expect(registry.count()).toBe(0);
      expect(heard).toEqual([]);
      expect(rawBytes(filename)).not.toContain(PASSWORD);
    } finally {
      if (previous !== undefined) process.env.DATASOURCE_REGISTRY_KEY = previous;
    }
  });

  it('accepts sources without secrets when no key is set', async () => {
    const previous = process.env.DATASOURCE_REGISTRY_KEY;
    delete process.env.DATASOURCE_REGISTRY_KEY;
    try {
      const registry = await openRegistry(join(tempDir(), 'log.db'), null);
      const source = await registry.register({ tenantId: 'a', name: 'Files', sourceType: 'file' });
      expect(registry.get(source.sourceId)?.name).toBe('Files');
    } finally {
      if (previous !== undefined) process.env.DATASOURCE_REGISTRY_KEY = previous;
    }
  });

  it('takes its key from DATASOURCE_REGISTRY_KEY when no option is given', async () => {
    const filename = join(tempDir(), 'log.db');
    const previous = process.env.DATASOURCE_REGISTRY_KEY;
    process.env.DATASOURCE_REGISTRY_KEY = key.toString('base64');
    try {
      const registry = await openRegistry(filename, null);
      await registry.register(secretSource());
      expect(rawBytes(filename)).not.toContain(PASSWORD);
      await registry.close();
      const again = await openRegistry(filename, key);
      expect(again.list()[0]?.config.password).toBe(PASSWORD);
    } finally {
      if (previous === undefined) delete process.env.DATASOURCE_REGISTRY_KEY;
      else process.env.DATASOURCE_REGISTRY_KEY = previous;
    }
  });

  it('cannot be opened with another key once it holds secrets', async () => {
    const filename = join(tempDir(), 'log.db');
    const registry = await openRegistry(filename);
    await registry.register(secretSource());
    await registry.close();

    const failure = await openRegistry(filename, randomBytes(32)).catch((error: unknown) => error);
    expect((failure as DataSourceError).code).toBe(ErrorCode.SECRET_UNAVAILABLE);
  });

  it('must be opened, not constructed, and cannot be reset', async () => {
    const filename = join(tempDir(), 'log.db');
    const store = createSqliteEventStore({ filename });
    expect(() => new DataSourceRegistry({ store })).toThrow(
      expect.objectContaining({
        code: ErrorCode.FORBIDDEN,
        message: 'A sqlite store must be opened with await DataSourceRegistry.open({ store })',
      }),
    );
    await store.close();
    const registry = await openRegistry(filename);
    await registry.register({ tenantId: 'a', name: 'Kept', sourceType: 'file' });
    await expect(registry.reset()).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
    expect(registry.count()).toBe(1);
  });

  it('shows history with secrets masked', async () => {
    const registry = await openRegistry(join(tempDir(), 'log.db'));
    const source = await registry.register(secretSource());
    const history = JSON.stringify(await registry.history(source.sourceId));
    expect(history).toContain('***');
    for (const secret of [PASSWORD, API_KEY, OAUTH_SECRET]) expect(history).not.toContain(secret);
  });
});

describe('two registries on one SQLite file', () => {
  it('see each other’s commands through the live notification', async () => {
    const filename = join(tempDir(), 'log.db');
    const writer = await openRegistry(filename);
    const reader = await openRegistry(filename);
    const heard = new Promise<DataSourceEvent>((resolve) => reader.on('*', resolve));

    const source = await writer.register(secretSource());
    const event = await heard;

    expect(event.sourceId).toBe(source.sourceId);
    expect(reader.get(source.sourceId)?.name).toBe('Orders');
  });

  it('keep names unique across both, when both decided before either wrote', async () => {
    const filename = join(tempDir(), 'log.db');
    const start = barrier(2);
    const one = await openRegistry(filename, key, start.arrive);
    const two = await openRegistry(filename, key, start.arrive);
    const results = await Promise.allSettled([
      one.register({ tenantId: 'acme', name: 'Billing', sourceType: 'api' }),
      two.register({ tenantId: 'acme', name: ' billing ', sourceType: 'api' }),
    ]);
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason.code).toBe(ErrorCode.DUPLICATE_NAME);
  });

  it('retry a command that lost a race instead of failing it', async () => {
    const filename = join(tempDir(), 'log.db');
    const start = barrier(2);
    const one = await openRegistry(filename, key, start.arrive);
    const two = await openRegistry(filename, key, start.arrive);
    const writer = await openRegistry(filename);
    const source = await writer.register({ tenantId: 'acme', name: 'Shared', sourceType: 'api' });
    await writer.addTag(source.sourceId, 'from-writer');
    // Each reads what the writer wrote, and both decide their first command at
    // version 2 before either writes: one of them must lose and retry.
    await Promise.all([
      ...Array.from({ length: 10 }, () => one.recordConnection(source.sourceId)),
      ...Array.from({ length: 10 }, () => two.recordConnection(source.sourceId)),
    ]);
    // A command's result includes everything committed before it, whoever wrote it.
    const afterOne = await one.recordConnection(source.sourceId);
    const afterTwo = await two.recordConnection(source.sourceId);
    expect(afterOne?.connectionCount).toBe(21);
    expect(afterTwo?.connectionCount).toBe(22);
    expect(afterOne?.tags).toEqual(['from-writer']);
    expect((await one.history(source.sourceId)).map((event) => event.streamVersion)).toEqual(
      Array.from({ length: 24 }, (_, i) => i + 1),
    );
  });
});
