import type { DataSourceConfig } from './config.js';
import { deepFreeze } from './freeze.js';
import { SECRET_FIELDS, SECRET_MAP_FIELD, SECRET_MASK } from './secrets.js';

/** The key `util.inspect` (and so `console.log`) looks up; a registered symbol, so no import of node:util. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * The config's values with every secret as `"***"`: null stays null (so a
 * reader can tell "none" from "hidden"), and oauthConfig keeps its keys.
 */
export function maskedValues(config: DataSourceConfig): DataSourceConfig {
  const out: Record<string, unknown> = { ...config };
  for (const field of SECRET_FIELDS) out[field] = config[field] === null ? null : SECRET_MASK;
  const oauth = config[SECRET_MAP_FIELD];
  if (oauth !== null) {
    out[SECRET_MAP_FIELD] = Object.fromEntries(Object.keys(oauth).map((key) => [key, SECRET_MASK]));
  }
  return out as DataSourceConfig;
}

/**
 * What every config handed out inherits from. Its methods live on this one
 * frozen object and are not enumerable, so a config's own keys, spreading,
 * `structuredClone`, `toEqual` and `for…in` see only the config's values, and
 * a config costs no more memory than its values.
 */
const MASKED_WHEN_PRINTED: object = Object.freeze(
  Object.defineProperties(Object.create(Object.prototype), {
    toJSON: {
      value: function toJSON(this: DataSourceConfig) {
        return maskedValues(this);
      },
    },
    [INSPECT]: {
      value: function inspect(this: DataSourceConfig) {
        // A plain object, which inspect formats at the depth it had reached.
        return maskedValues(this);
      },
    },
  }),
);

/**
 * Copies a config's values onto a new object that inherits the masking.
 * A constructor rather than `Object.create` plus assignments: V8 gives every
 * object it makes one shape from the start, which measured about twice as
 * fast, and the projections make one per config change while folding a log.
 * Its prototype has no `constructor` of its own, so the copies still look
 * like plain objects (`config.constructor === Object`).
 */
const MaskedConfig = function MaskedConfig(
  this: Record<keyof DataSourceConfig, unknown>,
  config: DataSourceConfig,
) {
  this.connectionString = config.connectionString;
  this.host = config.host;
  this.port = config.port;
  this.username = config.username;
  this.password = config.password;
  this.database = config.database;
  this.authType = config.authType;
  this.apiKey = config.apiKey;
  this.oauthConfig = deepFreeze(config.oauthConfig);
  this.poolSize = config.poolSize;
  this.poolTimeout = config.poolTimeout;
  this.maxRetries = config.maxRetries;
  this.sslEnabled = config.sslEnabled;
  this.sslVerify = config.sslVerify;
  this.sslCertPath = config.sslCertPath;
  this.options = deepFreeze(config.options);
} as unknown as new (
  config: DataSourceConfig,
) => DataSourceConfig;
MaskedConfig.prototype = MASKED_WHEN_PRINTED;

/** True when the config prints its secrets masked already. */
export function isMaskedWhenPrinted(config: object): boolean {
  return Object.getPrototypeOf(config) === MASKED_WHEN_PRINTED;
}

/**
 * The same config, frozen, that shows its secrets as `"***"` when printed:
 * `JSON.stringify` (so `res.json`, loggers, a source or a list holding it)
 * and `util.inspect` (so `console.log`). Reading a field still gives the
 * value, which is what the application connects with. A config that masks
 * already is returned as it is, so a snapshot shares it instead of copying.
 *
 * Events keep plain configs: what a store writes, exports and hashes must be
 * the values themselves (their secrets are sealed or redacted on their own
 * way out), never the mask.
 */
export function maskWhenPrinted(config: DataSourceConfig): DataSourceConfig {
  if (isMaskedWhenPrinted(config)) return config;
  return Object.freeze(new MaskedConfig(config));
}
