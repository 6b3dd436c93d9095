import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { encryptionKeyId } from './secret-cipher.js';

/**
 * Authenticates the bytes of a snapshot under keys derived from the
 * registry's master keys. A snapshot whose tag checks out was written by an
 * instance holding one of those keys, from a state that had passed every
 * schema, so loading it may skip checking each source against the schemas
 * again; one whose tag does not is not used at all. A registry without a key
 * (read-only) cannot check a tag and checks every source instead.
 */
export interface SnapshotMac {
  /** The tag of `body` under the current key: `<keyId>:<HMAC-SHA256 in hex>`. */
  sign(body: Uint8Array): string;
  /** True when `tag` is the tag of `body` under one of the keys. */
  verify(body: Uint8Array, tag: string): boolean;
}

/** What the derived key is for: no other use of the master key can produce the same bytes. */
const MAC_KEY_INFO = 'datasource-registry snapshot mac v1';

/** A MAC over snapshots under `masterKeys` (current first). */
export function createSnapshotMac(masterKeys: readonly Uint8Array[]): SnapshotMac {
  const keys = new Map<string, Buffer>();
  for (const key of masterKeys) {
    const derived = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), MAC_KEY_INFO, 32));
    if (!keys.has(encryptionKeyId(key))) keys.set(encryptionKeyId(key), derived);
  }
  const [current] = keys;
  const tagOf = (key: Buffer, body: Uint8Array) => createHmac('sha256', key).update(body).digest();
  return {
    sign(body) {
      if (current === undefined) throw new Error('a snapshot MAC needs a key');
      const [keyId, key] = current;
      return `${keyId}:${tagOf(key, body).toString('hex')}`;
    },
    verify(body, tag) {
      const [keyId = '', hex = ''] = tag.split(':');
      const key = keys.get(keyId);
      if (key === undefined || !/^[0-9a-f]{64}$/.test(hex)) return false;
      return timingSafeEqual(tagOf(key, body), Buffer.from(hex, 'hex'));
    },
  };
}
