import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DataSourceConfigInput } from '../../src/domain/config.js';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import { ENCRYPTION_KEY_ENV } from '../../src/security/encryption-key.js';
import { isSealedValue } from '../../src/security/event-secrets.js';
import { protectSecrets } from '../../src/security/protected-store.js';
import type { AppendRequest, EventStore, PendingEvent } from '../../src/store/event-store.js';
import { createMemoryEventStore } from '../../src/store/memory-store.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { eventConfig } from '../support/plain.js';

const KEY = new Uint8Array(randomBytes(32));
const PASSWORD = 'pw-Zq8x-plaintext';
const API_KEY = 'ak-7f3c9e-plaintext';
const CLIENT_SECRET = 'oauth-client-plaintext';
const ALL_SECRETS = [PASSWORD, API_KEY, CLIENT_SECRET];

function registered(
  sourceId: string,
  config: DataSourceConfigInput,
  tenantId = 't1',
): PendingEvent {
  return {
    eventId: `e-${sourceId}-1`,
    type: 'DataSourceRegistered',
    schemaVersion: 1,
    sourceId,
    tenantId,
    streamVersion: 1,
    occurredAt: '2024-05-01T12:00:00.000Z',
    data: {
      name: `Source ${sourceId}`,
      sourceType: 'database',
      config: eventConfig(config),
      description: null,
      tags: [],
      metadata: {},
      accessRoles: [],
      ownerId: null,
    },
    metadata: { actor: 'alice' },
  };
}

function activated(sourceId: string, streamVersion: number): PendingEvent {
  return {
    ...registered(sourceId, {}),
    eventId: `e-${sourceId}-${streamVersion}`,
    type: 'DataSourceActivated',
    streamVersion,
    data: {},
  };
}

function appendNew(...events: PendingEvent[]): AppendRequest {
  const expectedVersions: Record<string, number> = {};
  for (const event of events) expectedVersions[event.sourceId] ??= event.streamVersion - 1;
  return { events, expectedVersions };
}

const SECRET_CONFIG: DataSourceConfigInput = {
  host: 'db.internal',
  password: PASSWORD,
  apiKey: API_KEY,
  oauthConfig: { clientSecret: CLIENT_SECRET, expiresIn: 3600 },
};

function configOf(event: { readonly data: unknown } | undefined): Record<string, unknown> {
  if (event === undefined) throw new Error('expected an event');
  return (event.data as { config: Record<string, unknown> }).config;
}

function thrown(error: unknown): DataSourceError {
  expect(error).toBeInstanceOf(DataSourceError);
  return error as DataSourceError;
}

/** A durable store under test, and a way to see what it really holds. */
interface DurableFixture {
  readonly raw: EventStore;
  /** Everything the store has written, as text. */
  dump(): Promise<string>;
  /** A second store on the same data, as after a restart. */
  reopen(): EventStore;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sqliteFixture(): DurableFixture {
  const dir = mkdtempSync(join(tmpdir(), 'dsreg-security-'));
  const filename = join(dir, 'events.db');
  const stores: EventStore[] = [];
  const open = () => {
    const store = createSqliteEventStore({ filename });
    stores.push(store);
    return store;
  };
  cleanups.push(async () => {
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    raw: open(),
    // The database file and its write-ahead log: a committed event may be in either.
    async dump() {
      return readdirSync(dir)
        .map((name) => readFileSync(join(dir, name)).toString('latin1'))
        .join('\n');
    },
    reopen: open,
  };
}

function memoryFixture(): DurableFixture {
  const raw: EventStore = { ...createMemoryEventStore(), durable: true };
  return {
    raw,
    async dump() {
      return JSON.stringify(await raw.readAll());
    },
    reopen: () => raw,
  };
}

describe.each([
  ['a SQLite file', sqliteFixture],
  ['a memory store marked durable', memoryFixture],
])('protectSecrets over %s', (_name, fixture) => {
  it('keeps every secret out of what the store holds', async () => {
    const { raw, dump } = fixture();
    const store = protectSecrets(raw, KEY);
    await store.append(appendNew(registered('s1', SECRET_CONFIG)));
    const text = await dump();
    expect(text).toContain('db.internal');
    for (const secret of ALL_SECRETS) expect(text).not.toContain(secret);
    const [stored] = await raw.readAll();
    expect(isSealedValue(configOf(stored).password)).toBe(true);
    expect(JSON.stringify(await raw.readStream('s1'))).not.toContain(PASSWORD);
  });

  it('would see a secret written past the wrapper, so the checks above can fail', async () => {
    const { raw, dump } = fixture();
    await raw.append(appendNew(registered('s1', SECRET_CONFIG)));
    expect(await dump()).toContain(PASSWORD);
  });

  it('reads the secrets back in plaintext through the wrapper', async () => {
    const { raw } = fixture();
    const store = protectSecrets(raw, KEY);
    const events = [registered('s1', SECRET_CONFIG), activated('s1', 2)];
    await store.append(appendNew(...events));
    await store.append(appendNew(registered('s2', { password: 'second' }, 't2')));
    const all = await store.readAll();
    expect(all.map(({ position, hash, ...event }) => event)).toEqual([
      ...events,
      registered('s2', { password: 'second' }, 't2'),
    ]);
    expect((await store.readStream('s1')).map((event) => event.data)).toEqual(
      events.map((event) => event.data),
    );
    const [t2] = await store.readAll({ tenantId: 't2' });
    expect(configOf(t2).password).toBe('second');
  });

  it('returns from append the caller data and the positions the store gave', async () => {
    const { raw } = fixture();
    const store = protectSecrets(raw, KEY);
    await store.append(appendNew(registered('s0', {})));
    const events = [registered('s1', SECRET_CONFIG), activated('s1', 2)];
    const stored = await store.append(appendNew(...events));
    expect(stored.map((event) => event.position)).toEqual([2, 3]);
    expect(stored[0]?.data).toBe(events[0]?.data);
    expect(stored.map(({ position, hash, ...event }) => event)).toEqual(events);
  });

  it('reads the secrets after a restart with the same key', async () => {
    const { raw, reopen } = fixture();
    await protectSecrets(raw, KEY).append(appendNew(registered('s1', SECRET_CONFIG)));
    const [event] = await protectSecrets(reopen(), KEY).readStream('s1');
    expect(event?.data).toEqual(registered('s1', SECRET_CONFIG).data);
  });

  it('refuses to append a secret without a key, with SECRET_UNAVAILABLE, and appends nothing', async () => {
    const { raw, dump } = fixture();
    const store = protectSecrets(raw, null);
    const request = appendNew(registered('s1', {}), registered('s2', { apiKey: API_KEY }));
    const error = thrown(await store.append(request).catch((e: unknown) => e));
    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(error.sourceId).toBe('s2');
    expect(error.message).toContain('config.apiKey');
    expect(error.message).toContain(ENCRYPTION_KEY_ENV);
    expect(error.message).toContain('openssl rand -base64 32');
    expect(error.message).not.toContain(API_KEY);
    expect(await raw.head()).toBe(0);
    expect(await raw.readAll()).toEqual([]);
    expect(await dump()).not.toContain(API_KEY);
  });

  it('appends events without secrets when there is no key', async () => {
    const { raw } = fixture();
    const store = protectSecrets(raw, null);
    const events = [registered('s1', { host: 'db.internal', username: 'app' }), activated('s1', 2)];
    const stored = await store.append(appendNew(...events));
    expect(stored.map((event) => event.position)).toEqual([1, 2]);
    expect((await store.readAll()).map(({ position, hash, ...event }) => event)).toEqual(events);
  });

  it('refuses to read sealed secrets without a key, with SECRET_UNAVAILABLE', async () => {
    const { raw } = fixture();
    await protectSecrets(raw, KEY).append(appendNew(registered('s1', SECRET_CONFIG)));
    const store = protectSecrets(raw, null);
    for (const read of [() => store.readAll(), () => store.readStream('s1')]) {
      const error = thrown(await read().catch((e: unknown) => e));
      expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
      expect(error.message).toContain(ENCRYPTION_KEY_ENV);
    }
  });

  it('refuses to read secrets sealed under another key, with SECRET_UNAVAILABLE', async () => {
    const { raw } = fixture();
    await protectSecrets(raw, KEY).append(appendNew(registered('s1', SECRET_CONFIG)));
    const store = protectSecrets(raw, new Uint8Array(randomBytes(32)));
    const error = thrown(await store.readAll().catch((e: unknown) => e));
    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(error.sourceId).toBe('s1');
    for (const secret of ALL_SECRETS) expect(error.message).not.toContain(secret);
  });

  it('passes the store conflicts through unchanged', async () => {
    const { raw } = fixture();
    const store = protectSecrets(raw, KEY);
    await store.append(appendNew(registered('s1', SECRET_CONFIG)));
    const error = thrown(
      await store.append(appendNew(registered('s1', SECRET_CONFIG))).catch((e: unknown) => e),
    );
    expect(error.code).toBe(ErrorCode.CONCURRENCY_CONFLICT);
    expect(await raw.head()).toBe(1);
  });

  it('delegates head and subscribe to the store', async () => {
    const { raw } = fixture();
    const store = protectSecrets(raw, KEY);
    const heads: number[] = [];
    const stop = store.subscribe((head) => heads.push(head));
    await store.append(appendNew(registered('s1', SECRET_CONFIG)));
    await new Promise((resolve) => setTimeout(resolve, 10));
    stop();
    expect(await store.head()).toBe(1);
    expect(heads).toEqual([1]);
    expect(store.kind).toBe(raw.kind);
    expect(store.durable).toBe(true);
  });

  it('does not seal twice when wrapped twice', async () => {
    const { raw } = fixture();
    const once = protectSecrets(raw, KEY);
    expect(protectSecrets(once, KEY)).toBe(once);
  });
});

describe('protectSecrets over a store that is not durable', () => {
  it('returns the store itself, so secrets stay in memory as they are', () => {
    const memory = createMemoryEventStore();
    expect(protectSecrets(memory, KEY)).toBe(memory);
    expect(protectSecrets(memory, null)).toBe(memory);
  });

  it('returns an in-memory SQLite store itself too', async () => {
    const store = createSqliteEventStore({ filename: ':memory:' });
    cleanups.push(() => store.close());
    expect(store.durable).toBe(false);
    expect(protectSecrets(store, KEY)).toBe(store);
  });
});

describe('protectSecrets key checks', () => {
  it('refuses a key that is not 32 bytes with INVALID_INPUT', () => {
    const raw: EventStore = { ...createMemoryEventStore(), durable: true };
    let error: unknown;
    try {
      protectSecrets(raw, new Uint8Array(16));
    } catch (caught) {
      error = caught;
    }
    expect(thrown(error).code).toBe(ErrorCode.INVALID_INPUT);
  });
});
