import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { deepFreeze } from '../domain/freeze.js';
import { PURGED_SECRET, SECRET_FIELDS, SECRET_MAP_FIELD, SECRET_MASK } from '../domain/secrets.js';
import { missingEncryptionKey } from './encryption-key.js';
import { isSealedValue, SEALED_KEY, type SealedValue } from './event-secrets.js';
import type { SecretCipher } from './secret-cipher.js';
import { formatSecretPath, type SecretPath } from './secret-paths.js';
import { dataKeyIdOf, type TenantKeys } from './tenant-keys.js';

/**
 * Seals and opens the secrets of a snapshot. The one place that says which
 * key a snapshot's secret is sealed under: its tenant's data key where the
 * store keeps data keys (so purging the tenant shreds its snapshot secrets
 * too), else the registry's master key. Keys are read from the store ahead,
 * once per snapshot, so each value is sealed and opened synchronously.
 */
export interface SnapshotSealer {
  /** Reads (or makes) the data keys of these tenants, the ones whose sources hold secrets. */
  prepareSeal(tenantIds: ReadonlySet<string>): Promise<void>;
  /** Reads the data keys these tokens were sealed under. */
  prepareOpen(tokens: readonly string[]): Promise<void>;
  seal(tenantId: string, sourceId: string, field: SecretPath, plaintext: string): string;
  /**
   * The plaintext, or null when the tenant's data key was destroyed (purged).
   *
   * @throws DataSourceError SECRET_UNAVAILABLE when the token cannot be opened.
   */
  open(tenantId: string, sourceId: string, field: SecretPath, token: string): string | null;
}

/**
 * What a snapshot's token is bound to: that it is a snapshot's (an event's
 * token does not open here, nor this one in an event), the tenant, the
 * source and the field. A token moved anywhere else fails to open.
 */
function snapshotAad(tenantId: string, sourceId: string, field: SecretPath): string {
  return JSON.stringify(['snapshot', tenantId, sourceId, ...field]);
}

const ready = async () => {};

/** A sealer under the registry's master keys, for a store that keeps no data keys. */
export function createSnapshotSealer(cipher: SecretCipher): SnapshotSealer {
  return {
    prepareSeal: ready,
    prepareOpen: ready,
    seal: (tenantId, sourceId, field, plaintext) =>
      cipher.seal(plaintext, snapshotAad(tenantId, sourceId, field)),
    open: (tenantId, sourceId, field, token) =>
      cipher.open(token, snapshotAad(tenantId, sourceId, field)),
  };
}

/** A sealer under each tenant's data key. */
export function createTenantSnapshotSealer(keys: TenantKeys): SnapshotSealer {
  const sealers = new Map<string, (additionalData: string, plaintext: string) => string>();
  return {
    async prepareSeal(tenantIds) {
      for (const tenantId of tenantIds) {
        if (!sealers.has(tenantId)) sealers.set(tenantId, await keys.sealerFor(tenantId));
      }
    },
    prepareOpen: (tokens) => keys.load(tokens.flatMap((token) => dataKeyIdOf(token) ?? [])),
    seal(tenantId, sourceId, field, plaintext) {
      const seal = sealers.get(tenantId);
      if (seal === undefined) throw new Error(`no data key was read for tenant ${tenantId}`);
      return seal(snapshotAad(tenantId, sourceId, field), plaintext);
    },
    open: (tenantId, sourceId, field, token) =>
      keys.openLoaded(tenantId, snapshotAad(tenantId, sourceId, field), token),
  };
}

/**
 * How a registry writes and reads the secrets of its snapshots:
 * - `sealed`: a durable store: each secret sealed, as `{ "$sealed": token }`;
 *   with no sealer (no key), a secret cannot be written or read.
 * - `plain`: a store that is not durable keeps plaintext, as its events do.
 * - `withheld`: a registry opened read-only reads each secret as `"***"`,
 *   or `"<purged>"` when its data key is one of `destroyed`, exactly as it
 *   folds the events' secrets.
 */
export type SnapshotSecretMode =
  | { readonly kind: 'sealed'; readonly sealer: SnapshotSealer | null }
  | { readonly kind: 'plain' }
  | {
      readonly kind: 'withheld';
      readonly durable: boolean;
      /** Which data keys the tokens name were destroyed, read without a master key. */
      readonly destroyedKeys: ((tokens: readonly string[]) => Promise<ReadonlySet<string>>) | null;
      readonly destroyed?: ReadonlySet<string>;
    };

type Config = Readonly<Record<string, unknown>>;
type SecretMap = (value: unknown, field: SecretPath) => unknown;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A copy of the config with each secret replaced by what `map` returns: each
 * non-null value of password, apiKey and connectionString, every value of
 * oauthConfig. Anything not shaped like a config is the schema's to refuse.
 */
function mapConfigSecrets(config: Config, map: SecretMap): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const field of SECRET_FIELDS) {
    const value = config[field];
    if (value !== null && value !== undefined) out[field] = map(value, ['config', field]);
  }
  const oauth = config[SECRET_MAP_FIELD];
  if (isRecord(oauth)) {
    // fromEntries defines properties, so a key like "__proto__" stays a plain key.
    out[SECRET_MAP_FIELD] = Object.fromEntries(
      Object.entries(oauth).map(([key, value]) => [
        key,
        map(value, ['config', SECRET_MAP_FIELD, key]),
      ]),
    );
  }
  return out;
}

/** True when the config holds a secret a snapshot must seal. */
export function configHasSecrets(config: Config): boolean {
  let found = false;
  mapConfigSecrets(config, (value) => {
    found ||= value !== null;
    return value;
  });
  return found;
}

/** Every sealed token inside a snapshot's JSON, wherever it sits. */
export function sealedTokensIn(value: unknown, into: string[] = []): string[] {
  if (isSealedValue(value)) into.push(value[SEALED_KEY]);
  else if (Array.isArray(value)) for (const item of value) sealedTokensIn(item, into);
  else if (isRecord(value)) for (const item of Object.values(value)) sealedTokensIn(item, into);
  return into;
}

/**
 * The mode, ready to open these tokens synchronously: their data keys read,
 * or (read-only) which of them were destroyed.
 */
export async function prepareToOpen(
  mode: SnapshotSecretMode,
  tokens: readonly string[],
): Promise<SnapshotSecretMode> {
  if (mode.kind === 'sealed' && mode.sealer !== null) await mode.sealer.prepareOpen(tokens);
  if (mode.kind === 'withheld' && mode.destroyedKeys !== null) {
    return { ...mode, destroyed: await mode.destroyedKeys(tokens) };
  }
  return mode;
}

function corrupt(sourceId: string, field: SecretPath, why: string): DataSourceError {
  return new DataSourceError(
    `Snapshot: ${formatSecretPath(field)} of data source ${sourceId} ${why}`,
    { code: ErrorCode.CORRUPT_LOG, sourceId, details: { path: formatSecretPath(field) } },
  );
}

/**
 * The config as a snapshot holds it: a plain object (never the masked
 * config a source hands out, whose JSON shows `"***"`), its secrets sealed
 * unless the store is not durable. Values are JSON-encoded before sealing,
 * as the events' are, so any oauthConfig value comes back as it was.
 *
 * @throws DataSourceError SECRET_UNAVAILABLE when a durable store's snapshot
 *   would hold a secret and there is no key; FORBIDDEN when read-only.
 */
export function sealSnapshotConfig(
  config: Config,
  tenantId: string,
  sourceId: string,
  mode: SnapshotSecretMode,
): Record<string, unknown> {
  if (mode.kind === 'withheld') {
    throw new DataSourceError('A registry opened read-only holds no secret to snapshot', {
      code: ErrorCode.FORBIDDEN,
    });
  }
  if (mode.kind === 'plain') return mapConfigSecrets(config, (value) => value);
  const { sealer } = mode;
  return mapConfigSecrets(config, (value, field) => {
    if (sealer === null) {
      throw missingEncryptionKey(
        `Cannot write ${formatSecretPath(field)} of data source ${sourceId} into a snapshot in plaintext`,
        { sourceId, details: { path: formatSecretPath(field) } },
      );
    }
    const sealed: SealedValue = {
      [SEALED_KEY]: sealer.seal(tenantId, sourceId, field, JSON.stringify(value)),
    };
    return sealed;
  });
}

/**
 * The config of a snapshot with its secrets as the registry holds them:
 * opened, kept (not durable), or `"***"` (read-only). A secret of a durable
 * store's snapshot that is not sealed was not written by this library and is
 * refused, never trusted.
 *
 * @throws DataSourceError SECRET_UNAVAILABLE when a secret cannot be opened
 *   (no key, another key, altered, moved); CORRUPT_LOG when one is in
 *   plaintext where it must be sealed, or opens to something not JSON.
 */
export function openSnapshotConfig(
  config: Config,
  tenantId: string,
  sourceId: string,
  mode: SnapshotSecretMode,
): Record<string, unknown> {
  return mapConfigSecrets(config, (value, field) => {
    if (value === null) return null;
    const sealed = isSealedValue(value);
    if (mode.kind === 'plain') {
      if (sealed) throw corrupt(sourceId, field, 'is sealed in a store that seals nothing');
      return value;
    }
    if (!sealed && (mode.kind === 'sealed' || mode.durable)) {
      throw corrupt(sourceId, field, 'is stored in plaintext, not encrypted');
    }
    if (mode.kind === 'withheld') {
      const keyId = isSealedValue(value) ? dataKeyIdOf(value[SEALED_KEY]) : null;
      return keyId !== null && mode.destroyed?.has(keyId) ? PURGED_SECRET : SECRET_MASK;
    }
    if (mode.sealer === null || !sealed) {
      throw missingEncryptionKey(
        `Cannot read ${formatSecretPath(field)} of data source ${sourceId} from a snapshot: it is encrypted`,
        { sourceId, details: { path: formatSecretPath(field) } },
      );
    }
    const plaintext = mode.sealer.open(tenantId, sourceId, field, value[SEALED_KEY]);
    if (plaintext === null) return PURGED_SECRET;
    try {
      const opened: unknown = JSON.parse(plaintext);
      return typeof opened === 'object' && opened !== null ? deepFreeze(opened) : opened;
    } catch {
      throw corrupt(sourceId, field, 'decrypts to something that is not JSON');
    }
  });
}
