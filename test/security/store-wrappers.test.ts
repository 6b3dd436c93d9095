import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/domain/errors.js';
import { protectSecrets, readOnlyStore } from '../../src/security/protected-store.js';
import type { EventStore } from '../../src/store/event-store.js';
import { createMemoryEventStore } from '../../src/store/memory-store.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { failsWith } from '../support/registry-fixtures.js';
import { useTempDir } from '../support/temp-dir.js';

// What the two wrappers a registry puts around its store hand through as
// they are: everything that holds no secret. Each is tried on a real SQLite
// file, then the store underneath is asked what it got.

const tempDir = useTempDir('store-wrappers-');
const KEY = randomBytes(32);
const sqlite = () => createSqliteEventStore({ filename: join(tempDir(), 'log.sqlite') });
const SNAPSHOT = { position: 0, format: 's3-test', chainHash: null, data: Buffer.from('{}') };
const RING_KEY = '0123456789abcdef';

describe('the store that seals secrets', () => {
  it('hands checkpoints, the key ring and snapshots to the store underneath', async () => {
    const store = sqlite();
    const wrapped = protectSecrets(store, KEY);

    await wrapped.storeCheckpoint?.('audit', 0);
    await wrapped.pinKeyRing?.([RING_KEY]);
    await wrapped.addToKeyRing?.('fedcba9876543210');
    await wrapped.storeSnapshot?.(SNAPSHOT);

    expect(await store.readCheckpoint?.('audit')).toBe(0);
    expect(await wrapped.readCheckpoint?.('audit')).toBe(0);
    expect(await store.pinKeyRing?.([])).toEqual([RING_KEY, 'fedcba9876543210']);
    expect((await wrapped.readSnapshot?.())?.format).toBe('s3-test');
    expect(await wrapped.head()).toBe(0);
    await wrapped.close();
  });

  it('leaves out what the store underneath does not have', async () => {
    const store = sqlite();
    const partial: EventStore = {
      ...store,
      pinKeyRing: undefined,
      addToKeyRing: undefined,
      readCheckpoint: undefined,
      storeCheckpoint: undefined,
      readSnapshot: undefined,
      storeSnapshot: undefined,
    };
    for (const wrapped of [protectSecrets(partial, KEY), readOnlyStore(partial)]) {
      expect(wrapped.pinKeyRing).toBeUndefined();
      expect(wrapped.addToKeyRing).toBeUndefined();
      expect(wrapped.readCheckpoint).toBeUndefined();
      expect(wrapped.storeCheckpoint).toBeUndefined();
      expect(wrapped.readSnapshot).toBeUndefined();
      expect(wrapped.storeSnapshot).toBeUndefined();
    }
    await store.close();
  });

  it('closes the store underneath', async () => {
    const store = sqlite();
    await protectSecrets(store, KEY).close();
    await failsWith(() => store.head(), ErrorCode.STORE_ERROR);
  });

  it('wraps a store once, and leaves a store that keeps nothing on disk as it is', async () => {
    const store = sqlite();
    const wrapped = protectSecrets(store, KEY);
    const memory = createMemoryEventStore();

    expect(protectSecrets(wrapped, KEY)).toBe(wrapped);
    expect(protectSecrets(memory, KEY)).toBe(memory);
    await wrapped.close();
  });
});

describe('the store of a registry opened read-only', () => {
  it('refuses every append with FORBIDDEN before the store is called', async () => {
    const store = sqlite();
    const error = await failsWith(
      () => readOnlyStore(store).append({ events: [], expectedVersions: {} }),
      ErrorCode.FORBIDDEN,
    );
    expect(error.message).toMatch(/^This registry was opened read-only: it appends nothing/);
    expect(await store.head()).toBe(0);
    await store.close();
  });

  it('hands checkpoints and the snapshot through, and neither the key ring nor storing a snapshot', async () => {
    const store = sqlite();
    await store.storeSnapshot?.(SNAPSHOT);
    const reader = readOnlyStore(store);

    await reader.storeCheckpoint?.('audit', 0);

    expect(await store.readCheckpoint?.('audit')).toBe(0);
    expect(await reader.readCheckpoint?.('audit')).toBe(0);
    expect((await reader.readSnapshot?.())?.format).toBe('s3-test');
    expect(reader.storeSnapshot).toBeUndefined();
    expect(reader.pinKeyRing).toBeUndefined();
    await reader.close();
    await failsWith(() => store.head(), ErrorCode.STORE_ERROR);
  });
});
