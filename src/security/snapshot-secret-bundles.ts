import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { deepFreeze } from '../domain/freeze.js';
import { isRecord } from '../domain/json.js';
import { PURGED_SECRET, SECRET_FIELDS, SECRET_MAP_FIELD, SECRET_MASK } from '../domain/secrets.js';
import { missingEncryptionKey } from './encryption-key.js';
import { formatSecretPath, type SecretPath } from './secret-paths.js';
import { type SnapshotSecretMode, snapshotBundleAad } from './snapshot-secrets.js';
import { dataKeyIdOf } from './tenant-keys.js';

/**
 * Where a secret was, in a config of a durable store's snapshot: the value
 * itself is in its tenant's sealed bundle. One token per tenant, not per
 * value, is what makes loading a large snapshot cheap: 1,000 decryptions for
 * 1,000 tenants, whatever the number of secrets.
 */
export const SECRET_IN_BUNDLE = 0;

/**
 * A tenant's secrets in one snapshot: `[sourceId, field, value, …]`, field
 * being `password`, `oauthConfig:<key>`…, in the order the snapshot's configs
 * hold them. Each value is keyed by its source and field inside the sealed
 * text, so a stand-in moved to another source or field finds another key
 * there and the snapshot is refused; being in the configs' order, each is
 * found without a search, and the bundle opens to one array, not an object
 * per source.
 */
type Bundle = unknown[];

/** The tenants' sealed bundles, as a snapshot holds them: `[[tenantId, token], …]`. */
export type SealedBundles = [string, string][];

type Config = Readonly<Record<string, unknown>>;
type SecretMap = (value: unknown, field: SecretPath) => unknown;

/** The field of a secret within its source's bundle; the first part never holds a colon. */
const fieldKey = (field: SecretPath) => field.slice(1).join(':');

/**
 * A copy of the config with each secret replaced by what `map` returns: each
 * non-null value of password, apiKey and connectionString, every value of
 * oauthConfig. Anything not shaped like a config is the schema's to refuse.
 * `fresh`: the config is the caller's own new object, changed in place
 * rather than copied (one object less per source on load).
 */
function mapConfigSecrets(config: Config, map: SecretMap, fresh = false): Record<string, unknown> {
  const out: Record<string, unknown> = fresh ? (config as Record<string, unknown>) : { ...config };
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

/** What a snapshot is: its format and position, which each bundle is bound to. */
export interface SnapshotBinding {
  readonly format: string;
  readonly position: number;
}

/** Writes the configs of one snapshot, keeping each tenant's secrets aside to seal together. */
export interface SnapshotSecretsWriter {
  /** The config as the snapshot holds it: a plain object, each secret a stand-in (durable). */
  config(config: Config, tenantId: string, sourceId: string): Record<string, unknown>;
  /** The tenants whose data keys sealing needs. */
  tenants(): ReadonlySet<string>;
  /** Each tenant's secrets, sealed; call once every config was written and the keys prepared. */
  seal(): SealedBundles;
}

/**
 * @throws DataSourceError (from `config`) SECRET_UNAVAILABLE when a durable
 *   store's snapshot would hold a secret and there is no key; FORBIDDEN when read-only.
 */
export function snapshotSecretsWriter(
  mode: SnapshotSecretMode,
  binding: SnapshotBinding,
): SnapshotSecretsWriter {
  const bundles = new Map<string, Bundle>();
  return {
    config(config, tenantId, sourceId) {
      if (mode.kind === 'withheld') {
        throw new DataSourceError('A registry opened read-only holds no secret to snapshot', {
          code: ErrorCode.FORBIDDEN,
        });
      }
      if (mode.kind === 'plain') return mapConfigSecrets(config, (value) => value);
      return mapConfigSecrets(config, (value, field) => {
        if (value === null) return null;
        if (mode.sealer === null) {
          throw missingEncryptionKey(
            `Cannot write ${formatSecretPath(field)} of data source ${sourceId} into a snapshot in plaintext`,
            { sourceId, details: { path: formatSecretPath(field) } },
          );
        }
        const bundle = bundles.get(tenantId) ?? [];
        bundles.set(tenantId, bundle);
        bundle.push(sourceId, fieldKey(field), value);
        return SECRET_IN_BUNDLE;
      });
    },
    tenants: () => new Set(bundles.keys()),
    seal() {
      if (mode.kind !== 'sealed' || mode.sealer === null) return [];
      const { sealer } = mode;
      const aad = (tenantId: string) =>
        snapshotBundleAad(binding.format, binding.position, tenantId);
      return [...bundles].map(([tenantId, bundle]) => [
        tenantId,
        sealer.seal(tenantId, aad(tenantId), JSON.stringify(bundle)),
      ]);
    },
  };
}

function corrupt(sourceId: string, field: SecretPath, why: string): DataSourceError {
  return new DataSourceError(
    `Snapshot: ${formatSecretPath(field)} of data source ${sourceId} ${why}`,
    { code: ErrorCode.CORRUPT_LOG, sourceId, details: { path: formatSecretPath(field) } },
  );
}

function corruptBundles(why: string): DataSourceError {
  return new DataSourceError(`Snapshot: the sealed secrets ${why}`, {
    code: ErrorCode.CORRUPT_LOG,
  });
}

/** Reads the configs of one snapshot, each secret taken from its tenant's opened bundle. */
export interface SnapshotSecretsReader {
  /**
   * The config with its secrets as the registry holds them: opened, kept (not
   * durable), `"***"` (read-only) or `"<purged>"`. `config` must be a new
   * object of the caller's: it is changed in place and returned.
   *
   * @throws DataSourceError CORRUPT_LOG when a secret is in plaintext where it
   *   must be sealed, or its tenant's bundle holds no such secret; SECRET_UNAVAILABLE
   *   when it is sealed and there is no key.
   */
  config(config: Config, tenantId: string, sourceId: string): Record<string, unknown>;
  /** @throws DataSourceError CORRUPT_LOG when a bundle holds a secret no config took. */
  finish(): void;
}

/** Each tenant's token, checked: an array of distinct `[tenantId, token]` pairs. */
function parseBundles(value: unknown): Map<string, string> {
  if (!Array.isArray(value)) throw corruptBundles('are not a list');
  const tokens = new Map<string, string>();
  for (const entry of value) {
    if (!Array.isArray(entry) || entry.length !== 2) throw corruptBundles('are malformed');
    const [tenantId, token] = entry as unknown[];
    if (typeof tenantId !== 'string' || typeof token !== 'string' || tokens.has(tenantId)) {
      throw corruptBundles('are malformed');
    }
    tokens.set(tenantId, token);
  }
  return tokens;
}

/** A tenant's opened bundle, and where the next secret of its configs is in it. */
interface OpenedBundle {
  readonly secrets: Bundle;
  next: number;
}

/** What a tenant's token opened to: its bundle, or `purged` when its data key was destroyed. */
type Opened = OpenedBundle | 'purged' | 'withheld';

/**
 * Opens every tenant's bundle of a snapshot (one decryption per tenant), or
 * with the mode `withheld`, finds which were purged, before any config is read.
 *
 * @throws DataSourceError SECRET_UNAVAILABLE when a token cannot be opened
 *   (another key, altered, moved to another snapshot or tenant); CORRUPT_LOG
 *   when the bundles are malformed or one opens to something else than a bundle.
 */
export async function snapshotSecretsReader(
  mode: SnapshotSecretMode,
  binding: SnapshotBinding,
  sealed: unknown,
): Promise<SnapshotSecretsReader> {
  const tokens = parseBundles(sealed ?? []);
  const opened = new Map<string, Opened>();
  if (mode.kind === 'sealed' && mode.sealer !== null) {
    const { sealer } = mode;
    await sealer.prepareOpen([...tokens.values()]);
    for (const [tenantId, token] of tokens) {
      const aad = snapshotBundleAad(binding.format, binding.position, tenantId);
      const text = sealer.open(tenantId, aad, token);
      if (text === null) {
        opened.set(tenantId, 'purged');
        continue;
      }
      const bundle: unknown = JSON.parse(text);
      if (!Array.isArray(bundle) || bundle.length % 3 !== 0) {
        throw corruptBundles(`of tenant ${tenantId} are not a bundle`);
      }
      opened.set(tenantId, { secrets: bundle, next: 0 });
    }
  } else if (mode.kind === 'withheld') {
    const destroyed =
      mode.destroyedKeys === null
        ? new Set<string>()
        : await mode.destroyedKeys([...tokens.values()]);
    for (const [tenantId, token] of tokens) {
      const keyId = dataKeyIdOf(token);
      opened.set(tenantId, keyId !== null && destroyed.has(keyId) ? 'purged' : 'withheld');
    }
  } else if (tokens.size > 0 && mode.kind === 'plain') {
    throw corruptBundles('are in a store that seals nothing');
  }
  function secretOf(value: unknown, field: SecretPath, tenantId: string, sourceId: string) {
    if (value === null) return null;
    if (mode.kind === 'plain') return value;
    if (value !== SECRET_IN_BUNDLE) {
      if (mode.kind === 'withheld' && !mode.durable) return SECRET_MASK;
      throw corrupt(sourceId, field, 'is stored in plaintext, not encrypted');
    }
    const bundle = opened.get(tenantId);
    if (mode.kind === 'sealed' && mode.sealer === null) {
      throw missingEncryptionKey(
        `Cannot read ${formatSecretPath(field)} of data source ${sourceId} from a snapshot: it is encrypted`,
        { sourceId, details: { path: formatSecretPath(field) } },
      );
    }
    if (bundle === undefined) throw corrupt(sourceId, field, 'has no sealed value');
    if (bundle === 'purged') return PURGED_SECRET;
    if (bundle === 'withheld') return SECRET_MASK;
    const { secrets, next } = bundle;
    if (secrets[next] !== sourceId || secrets[next + 1] !== fieldKey(field)) {
      throw corrupt(sourceId, field, 'has no sealed value');
    }
    bundle.next = next + 3;
    const secret = secrets[next + 2];
    return typeof secret === 'object' && secret !== null ? deepFreeze(secret) : secret;
  }

  return {
    config: (config, tenantId, sourceId) =>
      mapConfigSecrets(config, (value, field) => secretOf(value, field, tenantId, sourceId), true),
    finish() {
      for (const bundle of opened.values()) {
        if (typeof bundle === 'object' && bundle.next !== bundle.secrets.length) {
          throw corruptBundles('hold a secret no source has');
        }
      }
    },
  };
}
