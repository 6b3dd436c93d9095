import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/domain/errors.js';
import {
  createDestroyedKeys,
  createTenantKeys,
  dataKeyIdOf,
  keepsDataKeys,
} from '../../src/security/tenant-keys.js';
import type { EventStore } from '../../src/store/event-store.js';
import { createMemoryEventStore } from '../../src/store/memory-store.js';
import { detailsOf } from '../support/error-details.js';
import { failsWith } from '../support/registry-fixtures.js';

// Tenant data keys on the memory store, which keeps them as the durable
// stores do: why a token does not open, in the words and details a caller
// gets, and what an instance remembers of the keys it has read.

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);

describe('which stores keep data keys', () => {
  it('is every store with all four data-key methods, and no store missing one', () => {
    const store = createMemoryEventStore();
    expect(keepsDataKeys(store)).toBe(true);
    for (const method of [
      'readDataKeys',
      'createDataKey',
      'rewrapDataKeys',
      'destroyDataKeys',
    ] as const) {
      const missing: EventStore = { ...store, [method]: undefined };
      expect(keepsDataKeys(missing), method).toBe(false);
    }
  });
});

describe('a token that does not open', () => {
  it('names a data key the store does not hold, when the token names one', async () => {
    const keys = createTenantKeys(createMemoryEventStore(), [KEY]);
    const token = await createTenantKeys(createMemoryEventStore(), [KEY]).sealForTenant(
      'acme',
      'x',
      'pw',
    );
    const keyId = dataKeyIdOf(token);

    const error = await failsWith(
      () => keys.openForTenant('acme', 'x', token),
      ErrorCode.SECRET_UNAVAILABLE,
    );

    expect(keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(error.message).toBe(
      `Cannot decrypt the secret: its data key ${keyId} is not in the store: the data keys were lost, or a backup was restored without them`,
    );
    expect(detailsOf(error)).toMatchObject({ dataKeyId: keyId });
  });

  it.each([
    ['a data-key token whose id is not one', 'v2:not-an-id:rest'],
    ['a data-key token whose id is too long', 'v2:0123456789abcdef0:rest'],
    ['a token of no data key', 'v1:0123456789abcdef:rest'],
  ])('shows the key of %s as unknown', async (_what, token) => {
    const keys = createTenantKeys(createMemoryEventStore(), [KEY]);
    const error = await failsWith(
      () => keys.openForTenant('acme', 'x', token),
      ErrorCode.SECRET_UNAVAILABLE,
    );
    expect(detailsOf(error)).toMatchObject({ dataKeyId: 'unknown' });
    expect(error.message).toContain('its data key unknown is not in the store');
  });

  it('says a token was sealed under another tenant’s data key', async () => {
    const keys = createTenantKeys(createMemoryEventStore(), [KEY]);
    const token = await keys.sealForTenant('acme', 'x', 'pw');

    const error = await failsWith(
      () => keys.openForTenant('globex', 'x', token),
      ErrorCode.SECRET_UNAVAILABLE,
    );

    expect(error.message).toBe(
      'Cannot decrypt the secret: it was sealed under the data key of another tenant',
    );
    expect(detailsOf(error)).toEqual({
      reason: 'it was sealed under the data key of another tenant',
      dataKeyId: dataKeyIdOf(token),
    });
  });

  it('opens to null once the tenant’s data key was destroyed, in this instance and a fresh one', async () => {
    const store = createMemoryEventStore();
    const keys = createTenantKeys(store, [KEY]);
    const token = await keys.sealForTenant('acme', 'x', 'pw');
    expect(await keys.openForTenant('acme', 'x', token)).toBe('pw');

    await store.destroyDataKeys('acme');
    await keys.refresh('acme');

    expect(await keys.openForTenant('acme', 'x', token)).toBeNull();
    expect(await createTenantKeys(store, [KEY]).openForTenant('acme', 'x', token)).toBeNull();
  });
});

describe('sealing for a tenant', () => {
  it('makes one data key for the tenant and keeps using it', async () => {
    const store = createMemoryEventStore();
    const keys = createTenantKeys(store, [KEY]);
    const first = await keys.keyedSealerFor('acme');
    const second = await keys.keyedSealerFor('acme');

    expect(second.keyId).toBe(first.keyId);
    expect((await store.readDataKeys('acme')).map((key) => key.keyId)).toEqual([first.keyId]);
  });

  it('makes a new data key after a purge destroyed the old one', async () => {
    const store = createMemoryEventStore();
    const keys = createTenantKeys(store, [KEY]);
    const before = await keys.keyedSealerFor('acme');
    await store.destroyDataKeys('acme');

    const after = await keys.keyedSealerFor('acme');

    expect(after.keyId).not.toBe(before.keyId);
    const token = after.seal('x', 'pw');
    expect(dataKeyIdOf(token)).toBe(after.keyId);
    expect(await keys.openForTenant('acme', 'x', token)).toBe('pw');
  });

  it('reads only the data keys it does not know yet', async () => {
    const store = createMemoryEventStore();
    const token = await createTenantKeys(store, [KEY]).sealForTenant('acme', 'x', 'pw');
    let reads = 0;
    const counted: typeof store = {
      ...store,
      readDataKeys: (tenantId?: string) => {
        reads++;
        return store.readDataKeys(tenantId);
      },
    };
    const keys = createTenantKeys(counted, [KEY]);

    await keys.openForTenant('acme', 'x', token);
    await keys.openForTenant('acme', 'x', token);
    await keys.load([]);

    expect(reads).toBe(1);
  });
});

describe('rotating the master key', () => {
  it('rewraps every data key, keeps the old key for what it wrapped, and puts the new one first', async () => {
    const store = createMemoryEventStore();
    const keys = createTenantKeys(store, [KEY]);
    const token = await keys.sealForTenant('acme', 'x', 'pw');

    expect(await keys.rotate(OTHER_KEY)).toBe(1);
    // Rotating to the key already current leaves one copy of it in the list.
    expect(await keys.rotate(OTHER_KEY)).toBe(1);

    expect(await createTenantKeys(store, [OTHER_KEY]).openForTenant('acme', 'x', token)).toBe('pw');
    const fresh = await keys.sealForTenant('globex', 'x', 'pw-2');
    expect(await createTenantKeys(store, [OTHER_KEY]).openForTenant('globex', 'x', fresh)).toBe(
      'pw-2',
    );
    await failsWith(
      () => createTenantKeys(store, [KEY]).openForTenant('globex', 'x', fresh),
      ErrorCode.SECRET_UNAVAILABLE,
    );
  });
});

describe('which data keys were destroyed, read without a master key', () => {
  it('finds the destroyed ones among those the tokens name, and reads again for a key not known destroyed', async () => {
    const store = createMemoryEventStore();
    const keys = createTenantKeys(store, [KEY]);
    const acme = await keys.sealForTenant('acme', 'x', 'pw');
    const globex = await keys.sealForTenant('globex', 'x', 'pw');
    let reads = 0;
    const destroyedOf = createDestroyedKeys({
      ...store,
      readDataKeys: (tenantId?: string) => {
        reads++;
        return store.readDataKeys(tenantId);
      },
    });

    expect([...(await destroyedOf([acme, globex]))]).toEqual([]);
    await store.destroyDataKeys('acme');
    expect([...(await destroyedOf([acme, globex]))]).toEqual([dataKeyIdOf(acme)]);
    const readsSoFar = reads;
    // Every key named is known destroyed: nothing to read again.
    expect([...(await destroyedOf([acme, 'v1:0123456789abcdef:rest']))]).toEqual([
      dataKeyIdOf(acme),
    ]);
    expect(reads).toBe(readsSoFar);
    expect(readsSoFar).toBe(2);
  });

  it('is none on a store that keeps no data keys', async () => {
    const store: EventStore = { ...createMemoryEventStore(), readDataKeys: undefined };
    expect([...(await createDestroyedKeys(store)(['v2:0123456789abcdef:rest']))]).toEqual([]);
  });
});
