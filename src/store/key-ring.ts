import { DataSourceError, ErrorCode } from '../domain/errors.js';

/** Longer than any id this library makes, short enough to show in a message. */
const MAX_KEY_ID_LENGTH = 128;

/**
 * Checks ids handed to a store's key ring: each a non-empty string of at most
 * 128 characters. Returns them without repeats, in their first order.
 *
 * @throws DataSourceError INVALID_INPUT naming the first bad id's place.
 */
export function checkKeyIds(keyIds: readonly unknown[]): string[] {
  keyIds.forEach((keyId, i) => {
    if (typeof keyId !== 'string' || keyId === '' || keyId.length > MAX_KEY_ID_LENGTH) {
      const message = `must be a non-empty string of at most ${MAX_KEY_ID_LENGTH} characters`;
      throw new DataSourceError(`Invalid key id at ${i}: ${message}`, {
        code: ErrorCode.INVALID_INPUT,
        details: { issues: [{ path: `keyIds.${i}`, message }] },
      });
    }
  });
  return [...new Set(keyIds as string[])];
}

/** The key ring of a store that lives in this process: a list, changed synchronously. */
export interface MemoryKeyRing {
  pin(keyIds: readonly string[]): readonly string[];
  add(keyId: string): readonly string[];
  clear(): void;
}

/** A key ring kept in memory, for the memory store. */
export function createMemoryKeyRing(): MemoryKeyRing {
  let ring: string[] = [];
  const snapshot = () => Object.freeze([...ring]);
  return {
    pin(keyIds) {
      const ids = checkKeyIds(keyIds);
      if (ring.length === 0) ring = ids;
      return snapshot();
    },
    add(keyId) {
      const [id] = checkKeyIds([keyId]);
      if (id !== undefined && !ring.includes(id)) ring.push(id);
      return snapshot();
    },
    clear() {
      ring = [];
    },
  };
}
