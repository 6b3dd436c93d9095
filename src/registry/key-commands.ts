import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { resolveEncryptionKeys } from '../security/encryption-key.js';
import { tenantKeysOf } from '../security/protected-store.js';
import { encryptionKeyId } from '../security/secret-cipher.js';
import type { EventStore } from '../store/event-store.js';

/**
 * The key as the `encryptionKey` option would take it; a value that cannot
 * even be inspected (a Proxy whose traps throw) is refused the same way.
 *
 * @throws DataSourceError INVALID_INPUT.
 */
function parseNewKey(value: unknown): Uint8Array {
  try {
    // A list of one is never null nor empty.
    const [key = new Uint8Array()] = resolveEncryptionKeys([value as Uint8Array], {}) ?? [];
    return key;
  } catch (error) {
    if (error instanceof DataSourceError) throw error;
    const message = 'must be a Uint8Array of 32 bytes or their base64';
    throw new DataSourceError(`Invalid newKey: ${message}`, {
      code: ErrorCode.INVALID_INPUT,
      details: { issues: [{ path: 'newKey', message }] },
    });
  }
}

/**
 * Rewraps every tenant data key under `newKey` and adds it to the key ring.
 * The ring comes first: once a key is rewrapped under `newKey`, every
 * instance must accept it; a ring that lists a key no data key uses yet is harmless.
 *
 * @param store - the registry's store, as `protectSecrets` returned it.
 * @param raw - the store the registry was given.
 * @returns how many data keys were rewrapped.
 */
export async function rotateDataKeys(
  store: EventStore,
  raw: EventStore,
  hasKey: boolean,
  newKey: unknown,
): Promise<number> {
  const key = parseNewKey(newKey);
  if (!hasKey) {
    throw new DataSourceError(
      'Cannot rotate the encryption key: this registry has none, so it cannot open the data keys to rewrap them. Open it with its current keys',
      { code: ErrorCode.SECRET_UNAVAILABLE },
    );
  }
  const tenantKeys = tenantKeysOf(store);
  if (tenantKeys === null && raw.durable) {
    throw new DataSourceError(
      `The ${raw.kind} store keeps no tenant data keys: there is nothing to rewrap, and its secrets stay under the key that sealed them`,
      { code: ErrorCode.FORBIDDEN },
    );
  }
  await raw.addToKeyRing?.(encryptionKeyId(key));
  // A memory store keeps secrets in plaintext: the ring is all there is to change.
  return tenantKeys === null ? 0 : tenantKeys.rotate(key);
}

/**
 * Refuses a purge that could not destroy anything, before anything is written.
 *
 * @throws DataSourceError FORBIDDEN for a durable store that keeps no data keys.
 */
export function assertCanPurge(raw: EventStore): void {
  if (raw.durable && raw.destroyDataKeys === undefined) {
    throw new DataSourceError(
      `The ${raw.kind} store keeps no tenant data keys, so a tenant's secrets cannot be destroyed apart from the others'. Nothing was written`,
      { code: ErrorCode.FORBIDDEN },
    );
  }
}
