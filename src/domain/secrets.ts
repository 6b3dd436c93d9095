/** What every secret looks like wherever it is shown instead of its value. */
export const SECRET_MASK = '***';

/** The config fields whose whole value is a secret: encrypted at rest, shown as "***" everywhere else. */
export const SECRET_FIELDS = ['password', 'apiKey', 'connectionString'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

/**
 * Every value of `oauthConfig` is a secret too; its keys are not, so a masked
 * oauthConfig still shows which settings exist.
 */
export const SECRET_MAP_FIELD = 'oauthConfig';
