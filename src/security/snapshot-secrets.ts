import type { SecretCipher } from './secret-cipher.js';
import type { SnapshotMac } from './snapshot-mac.js';
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
  /** Seals the tenant's secrets of one snapshot, bound to `bound` (see snapshotBundleAad). */
  seal(tenantId: string, bound: string, plaintext: string): string;
  /**
   * The plaintext, or null when the tenant's data key was destroyed (purged).
   *
   * @throws DataSourceError SECRET_UNAVAILABLE when the token cannot be opened.
   */
  open(tenantId: string, bound: string, token: string): string | null;
}

/**
 * What the token of a tenant's secrets in a snapshot is bound to: that it is
 * a snapshot's (an event's token does not open here, nor this one in an
 * event), the snapshot's format and position, and the tenant. A token copied
 * into another snapshot, or to another tenant, fails to open.
 */
export function snapshotBundleAad(format: string, position: number, tenantId: string): string {
  return JSON.stringify(['snapshot', format, position, tenantId]);
}

const ready = async () => {};

/** A sealer under the registry's master keys, for a store that keeps no data keys. */
export function createSnapshotSealer(cipher: SecretCipher): SnapshotSealer {
  return {
    prepareSeal: ready,
    prepareOpen: ready,
    seal: (tenantId, bound, plaintext) => cipher.seal(plaintext, JSON.stringify([tenantId, bound])),
    open: (tenantId, bound, token) => cipher.open(token, JSON.stringify([tenantId, bound])),
  };
}

/** A sealer under each tenant's data key. */
export function createTenantSnapshotSealer(keys: TenantKeys): SnapshotSealer {
  const sealers = new Map<string, (additionalData: string, plaintext: string) => string>();
  return {
    async prepareSeal(tenantIds) {
      // Read again for every snapshot: a tenant purged since the last one has a new key.
      sealers.clear();
      for (const tenantId of tenantIds) sealers.set(tenantId, await keys.sealerFor(tenantId));
    },
    prepareOpen: (tokens) => keys.load(tokens.flatMap((token) => dataKeyIdOf(token) ?? [])),
    seal(tenantId, bound, plaintext) {
      const seal = sealers.get(tenantId);
      if (seal === undefined) throw new Error(`no data key was read for tenant ${tenantId}`);
      return seal(bound, plaintext);
    },
    open: (tenantId, bound, token) => keys.openLoaded(tenantId, bound, token),
  };
}

/**
 * How a registry writes and reads the secrets of its snapshots:
 * - `sealed`: a durable store: each tenant's secrets sealed together, one
 *   token per tenant (see snapshot-secret-bundles.ts); with no sealer (no
 *   key), a secret cannot be written or read. With a key, the whole snapshot
 *   is authenticated too (see snapshot-mac.ts).
 * - `plain`: a store that is not durable keeps plaintext, as its events do.
 * - `withheld`: a registry opened read-only reads each secret as `"***"`,
 *   or `"<purged>"` when its data key is one of `destroyed`, exactly as it
 *   folds the events' secrets.
 */
export type SnapshotSecretMode =
  | {
      readonly kind: 'sealed';
      readonly sealer: SnapshotSealer | null;
      /** Tags the snapshots written, and trusts on load only those whose tag checks out. */
      readonly mac: SnapshotMac | null;
    }
  | { readonly kind: 'plain' }
  | {
      readonly kind: 'withheld';
      readonly durable: boolean;
      /** Which data keys the tokens name were destroyed, read without a master key. */
      readonly destroyedKeys: ((tokens: readonly string[]) => Promise<ReadonlySet<string>>) | null;
    };
