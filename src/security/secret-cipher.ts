import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { DataSourceError, ErrorCode, invalidValue } from '../domain/errors.js';
import { ENCRYPTION_KEY_BYTES } from './encryption-key.js';

/** The first field of every token this version writes; a new format gets a new version. */
export const SECRET_TOKEN_VERSION = 'v1';

const ALGORITHM = 'aes-256-gcm';
/** 96-bit IVs are what GCM is specified for; random ones are safe for about 2^32 seals per key. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_BYTES = 8;
// A purpose label keeps the key id from being the plain hash of the key that
// some other tool might also publish.
const KEY_ID_LABEL = 'datasource-registry key id\u0000';
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Encrypts and decrypts single secrets with one key.
 *
 * A token is `v1:<keyId>:<iv>:<tag>:<ciphertext>`, the last three base64url:
 * self-describing, so a reader knows the format and which key it needs, which
 * is what key rotation and per-tenant data keys will rely on.
 */
export interface SecretCipher {
  /** The fingerprint of this cipher's key, as written in its tokens. */
  readonly keyId: string;
  /**
   * Encrypts `plaintext` under a fresh random IV. `aad` is authenticated, not
   * stored: `open` must be given the same `aad`, which binds a token to where it belongs.
   */
  seal(plaintext: string, aad: string): string;
  /**
   * Decrypts a token made by `seal` with the same key and `aad`.
   *
   * @throws DataSourceError SECRET_UNAVAILABLE when the token is malformed, of an
   *   unknown version, sealed under another key, altered, or sealed with another `aad`.
   */
  open(token: string, aad: string): string;
}

/**
 * A short, stable fingerprint of a key: the first 8 bytes of a labelled
 * SHA-256 of it, in hex. It tells keys apart; it does not reveal the key.
 */
export function encryptionKeyId(key: Uint8Array): string {
  return createHash('sha256')
    .update(KEY_ID_LABEL)
    .update(key)
    .digest()
    .subarray(0, KEY_ID_BYTES)
    .toString('hex');
}

// `details.reason` lets a caller that knows where the secret sits say so in its own message.
function unavailable(reason: string, details: Record<string, unknown> = {}): DataSourceError {
  return new DataSourceError(`Cannot decrypt the secret: ${reason}`, {
    code: ErrorCode.SECRET_UNAVAILABLE,
    details: { reason, ...details },
  });
}

function decodePart(part: string, bytes: number | null): Buffer | null {
  if (!BASE64URL.test(part)) return null;
  const decoded = Buffer.from(part, 'base64url');
  return bytes === null || decoded.length === bytes ? decoded : null;
}

/** How a cipher names itself in its tokens; a master key's cipher uses the defaults. */
export interface SecretCipherLabel {
  /** The token's first field (default {@link SECRET_TOKEN_VERSION}). */
  readonly version?: string;
  /** The token's second field (default the key's {@link encryptionKeyId}). */
  readonly keyId?: string;
}

/**
 * An AES-256-GCM cipher for secrets under `key`.
 *
 * @param key - 32 bytes; copied, so later changes to the array do not affect the cipher.
 * @param label - for a tenant's data key: its own version and its random id.
 * @throws DataSourceError INVALID_INPUT when the key is not 32 bytes.
 */
export function createSecretCipher(key: Uint8Array, label: SecretCipherLabel = {}): SecretCipher {
  if (key.length !== ENCRYPTION_KEY_BYTES) {
    throw invalidValue(
      `Invalid encryption key: must be ${ENCRYPTION_KEY_BYTES} bytes; it is ${key.length} bytes`,
      'encryptionKey',
      `must be ${ENCRYPTION_KEY_BYTES} bytes`,
    );
  }
  const secretKey: KeyObject = createSecretKey(Buffer.from(key));
  const version = label.version ?? SECRET_TOKEN_VERSION;
  const keyId = label.keyId ?? encryptionKeyId(key);
  const header = `${version}:${keyId}:`;
  // The header is authenticated too, so a future format cannot be passed off as this one.
  const fullAad = (aad: string) => Buffer.from(header + aad, 'utf8');

  function seal(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, secretKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(fullAad(aad));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${header}${iv.toString('base64url')}:${tag.toString('base64url')}:${ciphertext.toString('base64url')}`;
  }

  function open(token: string, aad: string): string {
    const parts = token.split(':');
    if (parts.length !== 5) throw unavailable('the sealed value is malformed');
    const [tokenVersion = '', tokenKeyId = '', ivPart = '', tagPart = '', ciphertextPart = ''] =
      parts;
    if (tokenVersion !== version) {
      // Only a plausible version is echoed: the token may be anything.
      const shown = /^v\d{1,6}$/.test(tokenVersion) ? ` "${tokenVersion}"` : '';
      throw unavailable(`the sealed value has an unknown format version${shown}`);
    }
    if (tokenKeyId !== keyId) {
      const shown = /^[0-9a-f]{16}$/.test(tokenKeyId) ? tokenKeyId : 'unknown';
      throw unavailable(
        `it was encrypted under key ${shown}, and the key given is ${keyId}; pass the key it was written with`,
        { keyId: shown, givenKeyId: keyId },
      );
    }
    const iv = decodePart(ivPart, IV_BYTES);
    const tag = decodePart(tagPart, TAG_BYTES);
    const ciphertext = decodePart(ciphertextPart, null);
    if (iv === null || tag === null || ciphertext === null) {
      throw unavailable('the sealed value is malformed');
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, secretKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(fullAad(aad));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // The driver's error says no more than this, and nothing of it is worth logging.
      throw unavailable(
        'it fails authentication: it was altered or moved from another source or field',
        { keyId },
      );
    }
  }

  return Object.freeze({ keyId, seal, open });
}
