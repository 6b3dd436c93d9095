import { randomBytes } from 'node:crypto';
import { DataSourceError, ErrorCode } from '../domain/errors.js';
import type { DataKeyRecord, NewDataKey } from '../store/data-keys.js';
import type { EventStore } from '../store/event-store.js';
import { ENCRYPTION_KEY_BYTES } from './encryption-key.js';
import { createKeyListCipher, type KeyListCipher } from './key-list-cipher.js';
import { createSecretCipher, type SecretCipher } from './secret-cipher.js';

/** The first field of a token sealed under a tenant's data key. */
export const DATA_KEY_TOKEN_VERSION = 'v2';

const DATA_KEY_ID_BYTES = 8;

/** A store that keeps data keys: every data-key method is there. */
export type DataKeyStore = Required<
  Pick<EventStore, 'readDataKeys' | 'createDataKey' | 'rewrapDataKeys' | 'destroyDataKeys'>
>;

/** True when the store keeps tenants' data keys. */
export function keepsDataKeys(store: EventStore): store is EventStore & DataKeyStore {
  return (
    store.readDataKeys !== undefined &&
    store.createDataKey !== undefined &&
    store.rewrapDataKeys !== undefined &&
    store.destroyDataKeys !== undefined
  );
}

/** True for a token sealed under a data key (see {@link DATA_KEY_TOKEN_VERSION}). */
export function isDataKeyToken(token: string): boolean {
  return token.startsWith(`${DATA_KEY_TOKEN_VERSION}:`);
}

/** The data key a token names, or null when it is not a data-key token. */
export function dataKeyIdOf(token: string): string | null {
  return isDataKeyToken(token) ? (token.split(':', 3)[1] ?? null) : null;
}

/**
 * Sealing and opening secrets under tenants' data keys. Each tenant gets a
 * random 32-byte data key on its first secret, stored wrapped under the
 * current master key; every instance unwraps it with the master keys it
 * holds. Destroying a tenant's key makes every secret sealed under it
 * unrecoverable, with no event rewritten.
 */
export interface TenantKeys {
  /**
   * Seals `plaintext` for the tenant under its live data key, creating the
   * key on the tenant's first secret. `additionalData` is authenticated, not
   * stored: {@link TenantKeys.openForTenant} must be given the same.
   *
   * @returns a token `v2:<dataKeyId>:<iv>:<tag>:<ciphertext>`.
   * @throws DataSourceError SECRET_UNAVAILABLE when the tenant's key is wrapped
   *   under a master key this instance does not hold; STORE_ERROR.
   */
  sealForTenant(tenantId: string, additionalData: string, plaintext: string): Promise<string>;
  /**
   * Opens a token of {@link TenantKeys.sealForTenant}.
   *
   * @returns the plaintext, or null when the tenant's data key was destroyed (purged).
   * @throws DataSourceError SECRET_UNAVAILABLE when the token is malformed,
   *   names a key the store does not hold or another tenant's key, was altered
   *   or given other `additionalData`, or its key is wrapped under a master
   *   key this instance does not hold; STORE_ERROR.
   */
  openForTenant(tenantId: string, additionalData: string, token: string): Promise<string | null>;
  /**
   * {@link TenantKeys.sealForTenant} for many values of one tenant: the
   * tenant's live key is looked up once, and the returned function seals.
   */
  sealerFor(tenantId: string): Promise<(additionalData: string, plaintext: string) => string>;
  /**
   * {@link TenantKeys.sealerFor}, with the id of the data key it seals
   * under: what an append names so the store refuses it once that key is
   * destroyed.
   */
  keyedSealerFor(tenantId: string): Promise<KeyedSealer>;
  /** Reads from the store the data keys named that this instance does not know yet. */
  load(keyIds: Iterable<string>): Promise<void>;
  /** {@link TenantKeys.openForTenant} for keys already loaded. */
  openLoaded(tenantId: string, additionalData: string, token: string): string | null;
  /**
   * Rewraps every live data key under `newKey` in one transaction and makes
   * `newKey` this instance's current master key. Resolves to how many keys.
   */
  rotate(newKey: Uint8Array): Promise<number>;
  /**
   * Reads the tenant's data keys from the store again and forgets here the
   * ones destroyed there: after a purge, by this instance or another, none
   * of the tenant's old secrets opens here either.
   */
  refresh(tenantId: string): Promise<void>;
}

/** Seals a tenant's secrets under one data key, named by `keyId`. */
export interface KeyedSealer {
  readonly keyId: string;
  seal(additionalData: string, plaintext: string): string;
}

/** A data key as this instance knows it: unwrapped on first use, null once destroyed. */
type Known = { readonly tenantId: string; wrapped: string | null; cipher: SecretCipher | null };

function unavailable(reason: string, details: Record<string, unknown>): DataSourceError {
  return new DataSourceError(`Cannot decrypt the secret: ${reason}`, {
    code: ErrorCode.SECRET_UNAVAILABLE,
    details: { reason, ...details },
  });
}

/** What a wrapped data key is bound to: a wrapped key moved to another tenant fails to open. */
const wrapAad = (tenantId: string, keyId: string) =>
  JSON.stringify(['datasource-registry data key', tenantId, keyId]);
/** What every secret under a data key is bound to, before the caller's own data. */
const sealAad = (tenantId: string, additionalData: string) =>
  JSON.stringify([tenantId, additionalData]);

/**
 * Tenant data keys over a store, wrapped under `masterKeys` (current first).
 *
 * @throws DataSourceError INVALID_INPUT when a key is not 32 bytes or the list is empty.
 */
export function createTenantKeys(
  store: DataKeyStore,
  masterKeys: readonly Uint8Array[],
): TenantKeys {
  let keys = [...masterKeys];
  let master: KeyListCipher = createKeyListCipher(keys);
  const known = new Map<string, Known>();

  function remember(record: DataKeyRecord): Known {
    const cached = known.get(record.keyId);
    // A key once destroyed stays destroyed; a live one never changes its bytes.
    if (cached !== undefined && (cached.wrapped === null || record.wrappedKey !== null))
      return cached;
    const entry: Known = { tenantId: record.tenantId, wrapped: record.wrappedKey, cipher: null };
    known.set(record.keyId, entry);
    return entry;
  }

  /** The key's cipher, unwrapped under the master keys the first time; null when destroyed. */
  function unwrap(keyId: string, entry: Known): SecretCipher | null {
    if (entry.wrapped === null) return null;
    // Stryker disable next-line ConditionalExpression: a shortcut; unwrapping the data key again gives the same key
    if (entry.cipher !== null) return entry.cipher;
    const bytes = Buffer.from(master.open(entry.wrapped, wrapAad(entry.tenantId, keyId)), 'base64');
    entry.cipher = createSecretCipher(bytes, { version: DATA_KEY_TOKEN_VERSION, keyId });
    bytes.fill(0);
    return entry.cipher;
  }

  async function keyedSealerFor(tenantId: string): Promise<KeyedSealer> {
    // Read on every seal, not cached: another instance may have purged the
    // tenant. A purge that lands between this read and the append is caught
    // by the store, which refuses an append sealed under a destroyed key.
    const live = (await store.readDataKeys(tenantId)).find((key) => key.wrappedKey !== null);
    const record = live ?? (await store.createDataKey(newDataKey(tenantId)));
    const cipher = unwrap(record.keyId, remember(record));
    if (cipher === null) throw unavailable(`the data key of tenant ${tenantId} was destroyed`, {});
    return {
      keyId: record.keyId,
      seal: (additionalData, plaintext) =>
        cipher.seal(plaintext, sealAad(tenantId, additionalData)),
    };
  }

  async function sealerFor(tenantId: string) {
    return (await keyedSealerFor(tenantId)).seal;
  }

  function newDataKey(tenantId: string): NewDataKey {
    const keyId = randomBytes(DATA_KEY_ID_BYTES).toString('hex');
    const bytes = randomBytes(ENCRYPTION_KEY_BYTES);
    const wrappedKey = master.seal(bytes.toString('base64'), wrapAad(tenantId, keyId));
    bytes.fill(0);
    return { keyId, tenantId, wrappedKey };
  }

  async function load(keyIds: Iterable<string>): Promise<void> {
    const missing = [...keyIds].filter((id) => !known.has(id));
    if (missing.length === 0) return;
    for (const record of await store.readDataKeys()) {
      if (missing.includes(record.keyId)) remember(record);
    }
  }

  function openLoaded(tenantId: string, additionalData: string, token: string): string | null {
    const keyId = dataKeyIdOf(token);
    const shown = keyId !== null && /^[0-9a-f]{16}$/.test(keyId) ? keyId : 'unknown';
    const entry = keyId === null ? undefined : known.get(keyId);
    if (entry === undefined) {
      throw unavailable(
        `its data key ${shown} is not in the store: the data keys were lost, or a backup was restored without them`,
        { dataKeyId: shown },
      );
    }
    if (entry.tenantId !== tenantId) {
      throw unavailable(`it was sealed under the data key of another tenant`, { dataKeyId: shown });
    }
    const cipher = unwrap(keyId ?? '', entry);
    return cipher === null ? null : cipher.open(token, sealAad(tenantId, additionalData));
  }

  async function rotate(newKey: Uint8Array): Promise<number> {
    const next = createSecretCipher(newKey);
    const count = await store.rewrapDataKeys((record) => {
      const aad = wrapAad(record.tenantId, record.keyId);
      return next.seal(master.open(record.wrappedKey, aad), aad);
    });
    keys = [newKey, ...keys.filter((key) => !Buffer.from(key).equals(Buffer.from(newKey)))];
    master = createKeyListCipher(keys);
    return count;
  }

  return {
    async sealForTenant(tenantId, additionalData, plaintext) {
      return (await sealerFor(tenantId))(additionalData, plaintext);
    },
    async openForTenant(tenantId, additionalData, token) {
      const keyId = dataKeyIdOf(token);
      if (keyId !== null) await load([keyId]);
      return openLoaded(tenantId, additionalData, token);
    },
    sealerFor,
    keyedSealerFor,
    load,
    openLoaded,
    rotate,
    async refresh(tenantId) {
      for (const record of await store.readDataKeys(tenantId)) remember(record);
    },
  };
}

/**
 * Which of the data keys the tokens name were destroyed, read from the store
 * without any master key: what lets a reader without the key (a read-only
 * registry, an audit export) show a purged secret as purged. A destroyed key
 * stays destroyed, so those are remembered; the others are read again.
 */
export function createDestroyedKeys(
  store: EventStore,
): (tokens: readonly string[]) => Promise<ReadonlySet<string>> {
  const destroyed = new Set<string>();
  return async (tokens) => {
    const named = tokens.flatMap((token) => dataKeyIdOf(token) ?? []);
    if (store.readDataKeys === undefined || named.every((id) => destroyed.has(id))) {
      return destroyed;
    }
    for (const key of await store.readDataKeys()) {
      if (key.wrappedKey === null) destroyed.add(key.keyId);
    }
    return destroyed;
  };
}
