import { createHmac, createSecretKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import type { DataSourceConfig } from '../domain/config.js';
import { jsonEqual } from '../domain/json.js';
import {
  SECRET_FINGERPRINT_HEX_DIGITS,
  type SecretFingerprints,
  setSecrets,
} from '../domain/secret-fingerprints.js';

// The purpose label makes the fingerprint key one of its own: from it nothing
// can be sealed or opened, and it is not the master key's HMAC under any
// other label the library uses.
const FINGERPRINT_KEY_INFO = 'datasource-registry secret fingerprint v1';
const FINGERPRINT_KEY_BYTES = 32;

/** Computes the fingerprint of one secret value. */
export type SecretFingerprinter = (value: unknown) => string;

/**
 * The key fingerprints are made with: HKDF-SHA256 of the master key under a
 * label of its own. One-way, so a fingerprint key that leaked reveals
 * nothing of the master key, and opens no secret.
 */
export function fingerprintKeyOf(masterKey: Uint8Array): Uint8Array {
  return new Uint8Array(
    hkdfSync('sha256', masterKey, new Uint8Array(0), FINGERPRINT_KEY_INFO, FINGERPRINT_KEY_BYTES),
  );
}

/** JSON with the keys of every object sorted, so equal values give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What is hashed: a string as it is, any other JSON value (oauthConfig may
 * hold numbers or objects) as canonical JSON. The tag before it keeps the
 * string "1" and the number 1 apart.
 */
function hashedText(value: unknown): string {
  return typeof value === 'string' ? `s\u0000${value}` : `j\u0000${canonicalJson(value)}`;
}

/**
 * Fingerprints under `masterKey`: the first 8 bytes, in hex, of
 * HMAC-SHA256 under the key derived from it by {@link fingerprintKeyOf}, over
 * the value only (not where it sits), so one secret used in two places shows
 * the same fingerprint. Without a master key, a random key of this process
 * stands in: fingerprints are then stable while it runs, and compare only
 * with others it made.
 */
export function createSecretFingerprinter(masterKey: Uint8Array | null): SecretFingerprinter {
  const key: KeyObject = createSecretKey(
    masterKey === null ? randomBytes(FINGERPRINT_KEY_BYTES) : fingerprintKeyOf(masterKey),
  );
  return (value) =>
    createHmac('sha256', key)
      .update(hashedText(value), 'utf8')
      .digest('hex')
      .slice(0, SECRET_FINGERPRINT_HEX_DIGITS);
}

/** A config with the fingerprints it was given, as a source holds them. */
export interface FingerprintedConfig {
  readonly config: DataSourceConfig;
  readonly secretFingerprints: SecretFingerprints;
}

/**
 * The fingerprint of each secret `config` holds. A secret equal to the one
 * `before` held in the same place keeps the fingerprint it had (a config
 * written back with `"***"` keeps its secrets, and so their fingerprints),
 * even when it was made under another key; every other one is fingerprinted
 * anew.
 */
export function fingerprintConfig(
  config: DataSourceConfig,
  fingerprint: SecretFingerprinter,
  before: FingerprintedConfig | null,
): SecretFingerprints {
  const held = new Map(before === null ? [] : setSecrets(before.config));
  const kept = before?.secretFingerprints ?? {};
  const entries = setSecrets(config).map(([name, value]): [string, string] => {
    const previous = Object.hasOwn(kept, name) ? kept[name] : undefined;
    const same = previous !== undefined && held.has(name) && jsonEqual(held.get(name), value);
    return [name, same ? previous : fingerprint(value)];
  });
  // fromEntries defines properties, so no key can reach a prototype.
  return Object.freeze(Object.fromEntries(entries));
}
