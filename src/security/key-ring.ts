import { DataSourceError, ErrorCode } from '../domain/errors.js';
import type { EventStore } from '../store/event-store.js';

/** A store that keeps a key ring; see `EventStore.pinKeyRing`. */
type KeyRingStore = Pick<EventStore, 'pinKeyRing' | 'addToKeyRing'>;

/** What an instance's keys make of it, given the log's ring. */
type Admission = 'member' | 'joins' | 'refused';

function admission(ring: readonly string[], keyIds: readonly string[]): Admission {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a member taken for a joining key adds its key again, which every store's ring ignores; admission is only asked with a current key
  if (keyIds[0] !== undefined && ring.includes(keyIds[0])) return 'member';
  return keyIds.some((id) => ring.includes(id)) ? 'joins' : 'refused';
}

function refused(ring: readonly string[], keyIds: readonly string[]): DataSourceError {
  const current = keyIds[0] ?? 'none';
  return new DataSourceError(
    `This log accepts secrets under the encryption keys ${ring.join(', ')} only, and this instance's key is ${current}. ` +
      'Open it with one of the keys it accepts; to bring in a new key, open once with ' +
      '[newKey, acceptedKey] (current key first), which adds the new key to the log. ' +
      'Nothing was written.',
    {
      code: ErrorCode.SECRET_UNAVAILABLE,
      details: { keyId: current, givenKeyIds: [...keyIds], acceptedKeyIds: [...ring] },
    },
  );
}

/**
 * Admits an instance with these keys (ids, current first) to a log, before
 * it reads or writes anything, so that an instance with a key the log does
 * not accept can never write a secret the others cannot read:
 *
 * - the ring holds the current key: admitted.
 * - the ring holds another of its keys: the current key joins the ring (the
 *   instance proved it holds a key the log accepts).
 * - the ring holds none of them: refused with SECRET_UNAVAILABLE.
 * - the ring is empty (a new log, or one written before key rings): nothing
 *   yet. The returned step pins the keys; the caller runs it once it has read
 *   the log, so that the first instance after an upgrade, if its key cannot
 *   open the secrets already there, fails before it pins a wrong key.
 *
 * A store without a key ring, or an instance without keys, is admitted as it is.
 *
 * @returns the step to run after reading the log.
 * @throws DataSourceError SECRET_UNAVAILABLE when refused; the store's errors.
 */
export async function enterKeyRing(
  store: KeyRingStore,
  keyIds: readonly string[],
): Promise<() => Promise<void>> {
  const { pinKeyRing, addToKeyRing } = store;
  const settled = async () => {};
  const current = keyIds[0];
  if (current === undefined || pinKeyRing === undefined || addToKeyRing === undefined) {
    return settled;
  }
  const settle = async (ring: readonly string[]) => {
    const verdict = admission(ring, keyIds);
    if (verdict === 'refused') throw refused(ring, keyIds);
    // Stryker disable next-line ConditionalExpression: a member adding its key again leaves the ring as it was
    if (verdict === 'joins') await addToKeyRing.call(store, current);
  };
  const ring = await pinKeyRing.call(store, []);
  if (ring.length > 0) {
    await settle(ring);
    return settled;
  }
  // Another instance may pin first: then its ring decides, as above.
  return async () => settle(await pinKeyRing.call(store, keyIds));
}

/**
 * {@link enterKeyRing} at once, for a memory store, whose ring changes
 * synchronously and whose log holds no sealed secret to check first.
 *
 * @throws DataSourceError SECRET_UNAVAILABLE when refused.
 */
export function enterKeyRingSync(
  ring: {
    pinKeyRingSync(keyIds: readonly string[]): readonly string[];
    addToKeyRingSync(keyId: string): readonly string[];
  },
  keyIds: readonly string[],
): void {
  const current = keyIds[0];
  if (current === undefined) return;
  const found = ring.pinKeyRingSync(keyIds);
  const verdict = admission(found, keyIds);
  if (verdict === 'refused') throw refused(found, keyIds);
  // Stryker disable next-line ConditionalExpression: a member adding its key again leaves the ring as it was
  if (verdict === 'joins') ring.addToKeyRingSync(current);
}
