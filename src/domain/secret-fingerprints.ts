import { z } from 'zod';
import type { DataSourceConfig } from './config.js';
import type { DeepReadonly } from './deep-readonly.js';
import { SECRET_FIELDS, SECRET_MAP_FIELD } from './secrets.js';

/** How many hex digits a secret's fingerprint has: the first 8 bytes of its keyed hash. */
export const SECRET_FINGERPRINT_HEX_DIGITS = 16;

/**
 * The fingerprint of each secret a config holds, by where it sits in the
 * config: `password`, `apiKey`, `connectionString`, `oauthConfig.<key>`.
 * Not secret: a keyed hash that shows whether two secrets are equal, never
 * what they are. Only secrets that are set have one.
 */
export const secretFingerprintsSchema = z.record(
  z.string().min(1),
  z.string().regex(new RegExp(`^[0-9a-f]{${SECRET_FINGERPRINT_HEX_DIGITS}}$`)),
);
export type SecretFingerprints = DeepReadonly<z.infer<typeof secretFingerprintsSchema>>;

/**
 * Every secret of the config that is set, with the name its fingerprint goes
 * under. The part after `oauthConfig.` is the key whole, dots and all: the
 * top-level names are fixed and oauthConfig is one level deep, so the name
 * is never ambiguous.
 */
export function setSecrets(config: DataSourceConfig): [name: string, value: unknown][] {
  const secrets: [string, unknown][] = [];
  for (const field of SECRET_FIELDS) {
    const value = config[field];
    if (value !== null) secrets.push([field, value]);
  }
  for (const [key, value] of Object.entries(config.oauthConfig ?? {})) {
    if (value !== null) secrets.push([`${SECRET_MAP_FIELD}.${key}`, value]);
  }
  return secrets;
}
