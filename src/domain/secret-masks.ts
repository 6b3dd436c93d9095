import type { DataSourceConfig } from './config.js';
import { DataSourceError, ErrorCode } from './errors.js';
import { isMaskedWhenPrinted } from './secret-display.js';
import { SECRET_FIELDS, SECRET_MASK } from './secrets.js';

function noStoredSecret(path: string): DataSourceError {
  return new DataSourceError(
    `Invalid config: ${path}: "${SECRET_MASK}" keeps a stored secret, and there is none`,
    {
      code: ErrorCode.INVALID_INPUT,
      details: {
        issues: [{ path, message: `"${SECRET_MASK}" keeps a stored secret, and there is none` }],
      },
    },
  );
}

/**
 * A config read back from `toDict()` carries `"***"` where its secrets were;
 * writing it back must keep the stored secrets, not store the mask.
 *
 * This is the config an event will carry, so it comes back plain even when
 * it was one that prints its secrets masked (from `DataSourceConfig.create`
 * or a snapshot): a store writes an event's JSON, which must hold the values.
 */
export function keepMaskedSecrets(
  config: DataSourceConfig,
  stored: DataSourceConfig | null,
): DataSourceConfig {
  let result: Record<string, unknown> | null = null;
  const put = (key: string, value: unknown) => {
    result ??= { ...config };
    result[key] = value;
  };
  for (const field of SECRET_FIELDS) {
    if (config[field] !== SECRET_MASK) continue;
    const kept = stored?.[field] ?? null;
    if (kept === null) throw noStoredSecret(`config.${field}`);
    put(field, kept);
  }
  if (config.oauthConfig !== null) {
    const entries = Object.entries(config.oauthConfig);
    if (entries.some(([, value]) => value === SECRET_MASK)) {
      const oauth = entries.map(([key, value]) => {
        if (value !== SECRET_MASK) return [key, value];
        const storedOauth = stored?.oauthConfig;
        if (!storedOauth || !Object.hasOwn(storedOauth, key)) {
          throw noStoredSecret(`config.oauthConfig.${key}`);
        }
        return [key, storedOauth[key]];
      });
      put('oauthConfig', Object.fromEntries(oauth));
    }
  }
  if (result === null && isMaskedWhenPrinted(config)) result = { ...config };
  return (result === null ? config : Object.freeze(result)) as DataSourceConfig;
}
