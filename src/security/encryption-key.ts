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

function checkBytes(key: Uint8Array, what: string): Uint8Array {
  if (key.length !== ENCRYPTION_KEY_BYTES) {
    throw invalidKey(what, `must be ${ENCRYPTION_KEY_BYTES} bytes; it is ${key.length} bytes`);
  }
  // A zeroed buffer is what a key that was never filled in looks like: it protects nothing.
  if (key.every((byte) => byte === 0)) {
    throw invalidKey(what, 'is all zero bytes; use 32 random bytes');
  }
  // A copy, so a caller that reuses or zeroes its buffer does not change ours.
  return new Uint8Array(key);
}

function decodeKey(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return checkBytes(value, what);
  if (typeof value === 'string') return checkBytes(decodeBase64Key(value, what), what);
  throw invalidKey(what, `must be a Uint8Array of ${ENCRYPTION_KEY_BYTES} bytes or their base64`);
}

/** The same key listed twice would only hide a mistake in the list. */
function distinct(keys: Uint8Array[], what: string): Uint8Array[] {
  const seen = new Set<string>();
  keys.forEach((key, i) => {
    const text = Buffer.from(key).toString('hex');
    if (seen.has(text)) throw invalidKey(`${what}[${i}]`, 'repeats a key listed before it');
    seen.add(text);
  });
  return keys;
}

/**
 * The keys secrets are encrypted with, current first: the `encryptionKey`
 * option when given (one key, or a list of keys; each 32 bytes or their
 * base64), else `DATASOURCE_REGISTRY_KEY` from `env` (one base64 key, or
 * several separated by commas), else null. An empty environment variable
 * counts as unset.
 *
 * @param option - what the caller passed as `encryptionKey`; null counts as not given.
 * @param env - the environment to read, usually `process.env`.
 * @returns copies of the keys, current first, or null when no key is set.
 * @throws DataSourceError INVALID_INPUT when a key is not 32 bytes, not
 *   base64, all zero bytes or listed twice, or the list is empty; the message
 *   never contains a key.
 */
export function resolveEncryptionKeys(
  option: Uint8Array | string | readonly (Uint8Array | string)[] | null | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Uint8Array[] | null {
  if (Array.isArray(option)) {
    if (option.length === 0) throw invalidKey('encryptionKey', 'must list at least one key');
    return distinct(
      option.map((key: unknown, i) => decodeKey(key, `encryptionKey[${i}]`)),
      'encryptionKey',
    );
  }
  if (option !== undefined && option !== null) return [decodeKey(option, 'encryptionKey')];
  const fromEnv = env[ENCRYPTION_KEY_ENV];
  if (fromEnv === undefined || fromEnv.trim() === '') return null;
  const parts = fromEnv.split(',');
  const what = (i: number) =>
    parts.length === 1 ? ENCRYPTION_KEY_ENV : `${ENCRYPTION_KEY_ENV}[${i}]`;
  return distinct(
    parts.map((part, i) => decodeKey(part, what(i))),
    ENCRYPTION_KEY_ENV,
  );
}

/**
 * The current key (see {@link resolveEncryptionKeys}): the one new secrets
 * are sealed with, or null when no key is set.
 *
 * @throws DataSourceError INVALID_INPUT as {@link resolveEncryptionKeys} does.
 */
export function resolveEncryptionKey(
  option: Uint8Array | string | readonly (Uint8Array | string)[] | null | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Uint8Array | null {
  return resolveEncryptionKeys(option, env)?.[0] ?? null;
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
