import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/domain/errors.js';
import { enterKeyRing, enterKeyRingSync } from '../../src/security/key-ring.js';
import type { EventStore } from '../../src/store/event-store.js';
import { createMemoryEventStore } from '../../src/store/memory-store.js';
import { detailsOf } from '../support/error-details.js';
import { failsWith } from '../support/registry-fixtures.js';

// Admission to a log's key ring on its own, by key ids: which instance is a
// member, which key joins, which instance is refused and in what words.

const A = 'aaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbb';
const C = 'cccccccccccccccc';

/** A memory store whose ring holds `ring` already. */
function storeWithRing(ring: readonly string[]) {
  const store = createMemoryEventStore();
  if (ring.length > 0) store.pinKeyRingSync(ring);
  return store;
}

const REFUSAL = (ring: string, current: string) =>
  `This log accepts secrets under the encryption keys ${ring} only, and this instance's key is ${current}. ` +
  'Open it with one of the keys it accepts; to bring in a new key, open once with ' +
  '[newKey, acceptedKey] (current key first), which adds the new key to the log. ' +
  'Nothing was written.';

describe('entering a key ring at once (memory store)', () => {
  it('pins the keys of the first instance', () => {
    const store = storeWithRing([]);
    enterKeyRingSync(store, [A]);
    expect(store.pinKeyRingSync([])).toEqual([A]);
  });

  it('admits a member as it is, adding none of its other keys', () => {
    const store = storeWithRing([A]);
    enterKeyRingSync(store, [A, B]);
    expect(store.pinKeyRingSync([])).toEqual([A]);
  });

  it('adds the current key of an instance that holds another key of the ring', () => {
    const store = storeWithRing([A]);
    enterKeyRingSync(store, [B, A]);
    expect([...store.pinKeyRingSync([])].sort()).toEqual([A, B]);
  });

  it('refuses an instance holding none of the ring’s keys with SECRET_UNAVAILABLE, and adds nothing', async () => {
    const store = storeWithRing([A, B]);
    const error = await failsWith(() => enterKeyRingSync(store, [C]), ErrorCode.SECRET_UNAVAILABLE);
    expect(error.message).toBe(REFUSAL(`${A}, ${B}`, C));
    expect(detailsOf(error)).toEqual({ keyId: C, givenKeyIds: [C], acceptedKeyIds: [A, B] });
    expect(store.pinKeyRingSync([])).toEqual([A, B]);
  });

  it('admits an instance without keys and leaves the ring as it was', () => {
    const store = storeWithRing([]);
    enterKeyRingSync(store, []);
    expect(store.pinKeyRingSync([])).toEqual([]);
  });
});

describe('entering a key ring before reading the log', () => {
  it('pins the keys of the first instance only in the step run after reading', async () => {
    const store = storeWithRing([]);
    const pin = await enterKeyRing(store, [A, B]);
    expect(store.pinKeyRingSync([])).toEqual([]);
    await pin();
    expect(store.pinKeyRingSync([])).toEqual([A, B]);
  });

  it('lets the ring another instance pinned meanwhile decide', async () => {
    const store = storeWithRing([]);
    const pin = await enterKeyRing(store, [C]);
    store.pinKeyRingSync([A]);
    await expect(pin()).rejects.toMatchObject({ code: ErrorCode.SECRET_UNAVAILABLE });
  });

  it('admits a member at once, adding none of its other keys', async () => {
    const store = storeWithRing([A]);
    await (await enterKeyRing(store, [A, B]))();
    expect(store.pinKeyRingSync([])).toEqual([A]);
  });

  it('adds the current key of an instance that holds another key of the ring, before reading', async () => {
    const store = storeWithRing([A]);
    await enterKeyRing(store, [B, A]);
    expect([...store.pinKeyRingSync([])].sort()).toEqual([A, B]);
  });

  it('refuses an instance holding none of the ring’s keys before anything is read', async () => {
    const store = storeWithRing([A]);
    const error = await failsWith(() => enterKeyRing(store, [C, B]), ErrorCode.SECRET_UNAVAILABLE);
    expect(error.message).toBe(REFUSAL(A, C));
    expect(detailsOf(error)).toEqual({ keyId: C, givenKeyIds: [C, B], acceptedKeyIds: [A] });
  });

  it.each([
    ['an instance without keys', [] as string[], {}],
    ['a store that keeps no ring', [A], { pinKeyRing: undefined }],
    ['a store that cannot add to its ring', [A], { addToKeyRing: undefined }],
  ])('admits %s as it is', async (_what, keyIds, change) => {
    const store = storeWithRing([B]);
    const changed: EventStore = { ...store, ...change };
    await (await enterKeyRing(changed, keyIds))();
    expect(store.pinKeyRingSync([])).toEqual([B]);
  });
});
