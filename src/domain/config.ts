import { z } from 'zod';
import { plainConfigInput } from './config-fast-path.js';
import { maskConnectionString } from './connection-string-mask.js';
import type { DeepReadonly } from './deep-readonly.js';
import { parseInput } from './errors.js';
import { deepFreeze } from './freeze.js';
import { copiedInput } from './input-copy.js';
import { jsonObjectInputSchema, jsonObjectSchema } from './json.js';
import { LIMITS } from './limits.js';
import { maskedValues, maskWhenPrinted } from './secret-display.js';
import { type SECRET_MAP_FIELD, SECRET_MASK, type SecretField } from './secrets.js';
import { textSchema } from './text.js';
import { assertSecretsPresent } from './withheld-secrets.js';

const optionalText = textSchema(LIMITS.configTextBytes).nullable().optional();

/**
 * What `DataSourceConfig.create` accepts: every key optional, unknown keys
 * rejected. It checks a copy of the caller's value (see `parseConfig`).
 */
export const dataSourceConfigInputSchema = z.strictObject({
  connectionString: textSchema(LIMITS.connectionStringBytes).nullable().optional(),
  host: optionalText,
  port: z.number().int().min(1).max(65535).nullable().optional(),
  username: optionalText,
  password: optionalText,
  database: optionalText,
  authType: optionalText,
  apiKey: optionalText,
  oauthConfig: jsonObjectInputSchema(LIMITS.oauthConfigBytes).nullable().optional(),
  poolSize: z.number().int().min(1).optional(),
  poolTimeout: z.number().int().min(0).optional(),
  maxRetries: z.number().int().min(0).optional(),
  sslEnabled: z.boolean().optional(),
  sslVerify: z.boolean().optional(),
  sslCertPath: optionalText,
  options: jsonObjectInputSchema(LIMITS.optionsBytes).optional(),
});
/**
 * A config as callers write it: every field optional (left out is null),
 * `"***"` in a secret field keeping the stored secret on an update.
 */
export type DataSourceConfigInput = z.input<typeof dataSourceConfigInputSchema>;

/** A complete config, as kept in events and state: every key present. */
export const dataSourceConfigSchema = z.strictObject({
  connectionString: z.string().nullable(),
  host: z.string().nullable(),
  port: z.number().int().min(1).max(65535).nullable(),
  username: z.string().nullable(),
  password: z.string().nullable(),
  database: z.string().nullable(),
  authType: z.string().nullable(),
  apiKey: z.string().nullable(),
  oauthConfig: jsonObjectSchema.nullable(),
  poolSize: z.number().int().min(1),
  poolTimeout: z.number().int().min(0),
  maxRetries: z.number().int().min(0),
  sslEnabled: z.boolean(),
  sslVerify: z.boolean(),
  sslCertPath: z.string().nullable(),
  options: jsonObjectSchema,
});
/** The connection settings of a data source. Deeply frozen; every key present. */
export type DataSourceConfig = DeepReadonly<z.infer<typeof dataSourceConfigSchema>>;

/**
 * Whether each config field is a secret: `secret` (the whole value),
 * `secretValues` (every value of the object, not its keys) or `plain`. A new
 * field does not compile until it says, and the secret fields listed for
 * sealing, masking and redaction must be exactly those marked here.
 */
export const CONFIG_FIELD_SECRECY = {
  connectionString: 'secret',
  host: 'plain',
  port: 'plain',
  username: 'plain',
  password: 'secret',
  database: 'plain',
  authType: 'plain',
  apiKey: 'secret',
  oauthConfig: 'secretValues',
  poolSize: 'plain',
  poolTimeout: 'plain',
  maxRetries: 'plain',
  sslEnabled: 'plain',
  sslVerify: 'plain',
  sslCertPath: 'plain',
  options: 'plain',
} as const satisfies Record<keyof DataSourceConfig, 'secret' | 'secretValues' | 'plain'>;

type MarkedAs<S> = {
  [K in keyof typeof CONFIG_FIELD_SECRECY]: (typeof CONFIG_FIELD_SECRECY)[K] extends S ? K : never;
}[keyof typeof CONFIG_FIELD_SECRECY];
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
/** Compiles only when the lists of secret fields agree with the table above. */
export type SecretFieldsAgree = Holds<
  | SameKeys<MarkedAs<'secret'>, SecretField>
  | SameKeys<MarkedAs<'secretValues'>, typeof SECRET_MAP_FIELD>
>;

const SNAKE_TO_CAMEL: Readonly<Record<string, keyof DataSourceConfig>> = {
  connection_string: 'connectionString',
  host: 'host',
  port: 'port',
  username: 'username',
  password: 'password',
  database: 'database',
  auth_type: 'authType',
  api_key: 'apiKey',
  oauth_config: 'oauthConfig',
  pool_size: 'poolSize',
  pool_timeout: 'poolTimeout',
  max_retries: 'maxRetries',
  ssl_enabled: 'sslEnabled',
  ssl_verify: 'sslVerify',
  ssl_cert_path: 'sslCertPath',
  options: 'options',
};

/** A complete config from an input that has been parsed already: the defaults filled in, frozen. */
export function completeConfig(
  input: z.infer<typeof dataSourceConfigInputSchema>,
): DataSourceConfig {
  return deepFreeze({
    connectionString: input.connectionString ?? null,
    host: input.host ?? null,
    port: input.port ?? null,
    username: input.username ?? null,
    password: input.password ?? null,
    database: input.database ?? null,
    authType: input.authType ?? null,
    apiKey: input.apiKey ?? null,
    oauthConfig: input.oauthConfig ?? null,
    poolSize: input.poolSize ?? 5,
    poolTimeout: input.poolTimeout ?? 30,
    maxRetries: input.maxRetries ?? 3,
    sslEnabled: input.sslEnabled ?? false,
    sslVerify: input.sslVerify ?? true,
    sslCertPath: input.sslCertPath ?? null,
    options: input.options ?? {},
  });
}

const compiledConfigInputSchema = copiedInput(z.compile(dataSourceConfigInputSchema));

/**
 * Validates any value as a config input; the registry calls it with what
 * callers passed. A plain object of plain fields, the common case, is
 * checked without zod, with the same result; anything else, or anything
 * wrong, goes through the schema, which names what is wrong.
 */
export function parseConfig(input: unknown): DataSourceConfig {
  const plain = plainConfigInput(input);
  return completeConfig(plain ?? parseInput(compiledConfigInputSchema, input, 'config'));
}

function create(input: DataSourceConfigInput | DataSourceConfig = {}): DataSourceConfig {
  return maskWhenPrinted(parseConfig(input));
}

/** The Python module's keys and no others: a camelCase or misspelt key is named, not mapped. */
const snakeCaseConfigSchema = copiedInput(
  z.strictObject(
    Object.fromEntries(Object.keys(SNAKE_TO_CAMEL).map((key) => [key, z.unknown().optional()])),
  ),
);

function fromDict(dict: Record<string, unknown>): DataSourceConfig {
  const snake = parseInput(snakeCaseConfigSchema, dict, 'config');
  const camel = Object.fromEntries(
    Object.entries(snake).map(([key, value]) => [SNAKE_TO_CAMEL[key] ?? key, value]),
  );
  return parseConfig(camel);
}

/** The config with every secret replaced by the mask (oauthConfig keys kept). */
function masked(config: DataSourceConfig): DataSourceConfig {
  return deepFreeze(maskedValues(config));
}

function toDict(
  config: DataSourceConfig,
  { includeSecrets = false }: { includeSecrets?: boolean } = {},
): Record<string, unknown> {
  if (includeSecrets) assertSecretsPresent(config);
  const shown = includeSecrets ? config : masked(config);
  return Object.fromEntries(
    Object.entries(SNAKE_TO_CAMEL).map(([snake, camel]) => [snake, structuredClone(shown[camel])]),
  );
}

function getConnectionUrl(
  config: DataSourceConfig,
  { maskSecrets = false, scheme }: { maskSecrets?: boolean; scheme?: string } = {},
): string | null {
  // Only the secret the URL is made of: a withheld password does not spoil a connection string.
  if (!maskSecrets)
    assertSecretsPresent(config, [config.connectionString ? 'connectionString' : 'password']);
  if (config.connectionString) {
    return maskSecrets ? maskConnectionString(config.connectionString) : config.connectionString;
  }
  if (!config.host) return null;
  let auth = '';
  if (config.username || config.password) {
    auth = encodeURIComponent(config.username ?? '');
    if (config.password) {
      auth += `:${maskSecrets ? SECRET_MASK : encodeURIComponent(config.password)}`;
    }
    auth += '@';
  }
  const host =
    config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
  const port = config.port === null ? '' : `:${config.port}`;
  const database = config.database ? `/${config.database}` : '';
  return `${scheme ? `${scheme}://` : ''}${auth}${host}${port}${database}`;
}

/**
 * Builds, shows and formats configs. A config is plain frozen data; these are
 * the functions that the Python module had as methods.
 */
export const DataSourceConfig = {
  /**
   * Validates the input (unknown keys rejected), fills the defaults and
   * freezes it. Printed (`JSON.stringify`, `console.log`), its secrets show
   * as `"***"`; reading a field gives the value.
   */
  create,
  /** Builds a config from the Python module's snake_case dict; printed as `create`'s. */
  fromDict: (dict: Record<string, unknown>): DataSourceConfig => maskWhenPrinted(fromDict(dict)),
  /**
   * The Python module's snake_case dict; secrets are `"***"` unless `includeSecrets`.
   *
   * @throws DataSourceError SECRET_UNAVAILABLE with `includeSecrets` when the
   *   config comes from a registry opened read-only, which holds no secret.
   */
  toDict,
  /** The config with every secret shown as `"***"`. */
  masked,
  /**
   * `user:password@host:port/database`, user and password percent-encoded, an
   * IPv6 host in brackets, `scheme://` in front when given; the connection
   * string when there is one; null without a host. With `maskSecrets`, the
   * password is `"***"`, and so is every secret in a connection string; a
   * connection string that cannot be read with confidence is `"***"` whole.
   *
   * @throws DataSourceError SECRET_UNAVAILABLE without `maskSecrets` when the
   *   config comes from a registry opened read-only, which holds no secret.
   */
  getConnectionUrl,
} as const;
