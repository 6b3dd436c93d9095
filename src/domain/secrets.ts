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

/**
 * What a secret reads as once its tenant was purged: its data key was
 * destroyed, so its value can no longer be recovered by anyone. Shown as it
 * is (not as "***") in `history()`, listeners and exports, so a reader can
 * tell a purged secret from a hidden one.
 */
export const PURGED_SECRET = '<purged>';
