import { DataSourceError, type DataSourceErrorOptions, ErrorCode } from '../domain/errors.js';

/** The environment variable read when no `encryptionKey` option is given. */
export const ENCRYPTION_KEY_ENV = 'DATASOURCE_REGISTRY_KEY';

/** AES-256 takes a 32-byte key. */
export const ENCRYPTION_KEY_BYTES = 32;

/** How to give the registry a key; every "no key" error ends with it. */
export const ENCRYPTION_KEY_HOW_TO =
  'Pass `encryptionKey` (32 bytes, or their base64) to DataSourceRegistry.open, ' +
  `or set ${ENCRYPTION_KEY_ENV} to 32 random bytes in base64, ` +
  'e.g. the output of `openssl rand -base64 32`.';

// Both alphabets are accepted, with or without padding: keys are pasted from
// many tools. Anything else is refused rather than silently skipped, as
// Buffer.from(…, 'base64') would do.
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function invalidKey(what: string, message: string): DataSourceError {
  // The message names where the key came from and what is wrong with it,
  // never the key itself: error messages end up in logs.
  return new DataSourceError(`Invalid ${what}: ${message}`, {
    code: ErrorCode.INVALID_INPUT,
    details: { issues: [{ path: what, message }] },
  });
}

function decodeBase64Key(text: string, what: string): Uint8Array {
  const trimmed = text.trim();
  if (trimmed === '') throw invalidKey(what, 'must not be empty');
  if (!BASE64.test(trimmed)) {
    throw invalidKey(what, `must be ${ENCRYPTION_KEY_BYTES} bytes in base64; it is not base64`);
  }
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes.length !== ENCRYPTION_KEY_BYTES) {
    throw invalidKey(
      what,
      `must be ${ENCRYPTION_KEY_BYTES} bytes in base64; it decodes to ${bytes.length} bytes`,
    );
  }
  return new Uint8Array(bytes);
}

/**
 * The key secrets are encrypted with: the `encryptionKey` option when given
 * (32 bytes, or their base64), else `DATASOURCE_REGISTRY_KEY` from `env`
 * (base64), else null. An empty environment variable counts as unset.
 *
 * @param option - what the caller passed as `encryptionKey`; null counts as not given.
 * @param env - the environment to read, usually `process.env`.
 * @returns a copy of the 32 key bytes, or null when no key is set.
 * @throws DataSourceError INVALID_INPUT when a key is given but is not 32
 *   bytes or not base64; the message never contains the key.
 */
export function resolveEncryptionKey(
  option: Uint8Array | string | null | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Uint8Array | null {
  if (option instanceof Uint8Array) {
    if (option.length !== ENCRYPTION_KEY_BYTES) {
      throw invalidKey(
        'encryptionKey',
        `must be ${ENCRYPTION_KEY_BYTES} bytes; it is ${option.length} bytes`,
      );
    }
    // A copy, so a caller that reuses or zeroes its buffer does not change ours.
    return new Uint8Array(option);
  }
  if (typeof option === 'string') return decodeBase64Key(option, 'encryptionKey');
  if (option !== undefined && option !== null) {
    throw invalidKey(
      'encryptionKey',
      `must be a Uint8Array of ${ENCRYPTION_KEY_BYTES} bytes or their base64`,
    );
  }
  const fromEnv = env[ENCRYPTION_KEY_ENV];
  if (fromEnv === undefined || fromEnv.trim() === '') return null;
  return decodeBase64Key(fromEnv, ENCRYPTION_KEY_ENV);
}

/**
 * The SECRET_UNAVAILABLE error for a secret that needs a key when none is set;
 * its message is `reason`, then how to set one.
 *
 * @param reason - what could not be done, e.g. "Cannot store the secrets of data source X".
 */
export function missingEncryptionKey(
  reason: string,
  options: Omit<DataSourceErrorOptions, 'code'> = {},
): DataSourceError {
  return new DataSourceError(`${reason}: no encryption key is set. ${ENCRYPTION_KEY_HOW_TO}`, {
    ...options,
    code: ErrorCode.SECRET_UNAVAILABLE,
  });
}
