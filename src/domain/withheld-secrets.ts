import { DataSourceError, ErrorCode } from './errors.js';
import { SECRET_FIELDS, SECRET_MAP_FIELD, SECRET_MASK, type SecretField } from './secrets.js';

interface SecretsOf {
  readonly password: string | null;
  readonly apiKey: string | null;
  readonly connectionString: string | null;
  readonly oauthConfig: Readonly<Record<string, unknown>> | null;
}

/**
 * Refuses to hand out a secret that was withheld: a registry opened without
 * the key (read-only) folds each secret as `"***"`, which can never be a
 * stored secret (given as input, `"***"` keeps the one stored), so a config
 * holding it has lost the value rather than having it be `"***"`.
 *
 * @param fields - the secrets the caller is about to use; every one by default.
 * @throws DataSourceError SECRET_UNAVAILABLE naming the first withheld field.
 */
export function assertSecretsPresent(
  config: SecretsOf,
  fields: readonly (SecretField | typeof SECRET_MAP_FIELD)[] = [...SECRET_FIELDS, SECRET_MAP_FIELD],
): void {
  for (const field of fields) {
    const withheld =
      field === SECRET_MAP_FIELD
        ? Object.values(config.oauthConfig ?? {}).some((value) => value === SECRET_MASK)
        : config[field] === SECRET_MASK;
    if (!withheld) continue;
    throw new DataSourceError(
      `config.${field} is not available: the registry was opened without the encryption key (read-only), so it holds no secret. ` +
        'Open the registry with the key (`encryptionKey`, or DATASOURCE_REGISTRY_KEY) to read secrets, ' +
        'or ask for them masked.',
      { code: ErrorCode.SECRET_UNAVAILABLE, details: { path: `config.${field}` } },
    );
  }
}
