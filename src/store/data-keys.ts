import { z } from 'zod';
import { parseInput } from '../domain/errors.js';

/** Longer than any id or token this library makes, short enough to keep a row small. */
const MAX_ID_LENGTH = 128;
const MAX_WRAPPED_LENGTH = 512;

/**
 * A tenant's data key as a store keeps it: never the key, only the key
 * wrapped (sealed) under a master key. `wrappedKey` is null once the key was
 * destroyed by a purge: the row stays, so a reader can tell a secret whose key
 * was destroyed on purpose from one whose key is missing.
 */
export const dataKeyRecordSchema = z.strictObject({
  keyId: z.string().min(1).max(MAX_ID_LENGTH),
  tenantId: z.string().min(1),
  wrappedKey: z.string().min(1).max(MAX_WRAPPED_LENGTH).nullable(),
});
/** A tenant's data key as a store keeps it: wrapped under a master key, or null once destroyed. */
export type DataKeyRecord = z.infer<typeof dataKeyRecordSchema>;

/** A live data key to store: one with its wrapped key. */
export type NewDataKey = DataKeyRecord & { readonly wrappedKey: string };

/** What a rotation makes of one live key: the same key wrapped under another master key. */
export type Rewrap = (record: NewDataKey) => string;

/**
 * Checks a data key handed to a store.
 *
 * @throws DataSourceError INVALID_INPUT naming the bad field.
 */
export function checkNewDataKey(record: unknown): DataKeyRecord {
  return parseInput(dataKeyRecordSchema, record, 'data key');
}

/**
 * Checks the data-key fields of an append request: the key ids its secrets
 * are sealed under, and the tenant whose keys it destroys.
 *
 * @throws DataSourceError INVALID_INPUT naming the bad field.
 */
export function checkAppendDataKeys(sealedUnder: unknown, destroysDataKeysOf: unknown): void {
  if (sealedUnder !== undefined) {
    parseInput(z.array(dataKeyRecordSchema.shape.keyId), sealedUnder, 'sealedUnder');
  }
  if (destroysDataKeysOf !== undefined) checkDataKeyTenant(destroysDataKeysOf);
}

/** Checks a tenant id handed to a store's data keys. */
export function checkDataKeyTenant(tenantId: unknown): string {
  return parseInput(dataKeyRecordSchema.shape.tenantId, tenantId, 'tenant id');
}

/**
 * The data keys of a store that lives in this process, with the same rules
 * as the durable ones: at most one live key per tenant, destroyed keys kept
 * as rows without their key.
 */
export interface MemoryDataKeys {
  read(tenantId?: string): DataKeyRecord[];
  /** True when the key is held and not destroyed. */
  isLive(keyId: string): boolean;
  create(record: DataKeyRecord): DataKeyRecord;
  rewrap(rewrap: Rewrap): number;
  destroy(tenantId: string): number;
}

/** Data keys kept in memory, for the memory store. */
export function createMemoryDataKeys(): MemoryDataKeys {
  const keys = new Map<string, DataKeyRecord>();
  const live = (tenantId: string) =>
    [...keys.values()].find((key) => key.tenantId === tenantId && key.wrappedKey !== null);
  return {
    read: (tenantId) =>
      [...keys.values()].filter((key) => tenantId === undefined || key.tenantId === tenantId),
    isLive: (keyId) => (keys.get(keyId)?.wrappedKey ?? null) !== null,
    create(record) {
      if (record.wrappedKey === null) {
        if (!keys.has(record.keyId)) keys.set(record.keyId, Object.freeze({ ...record }));
        return keys.get(record.keyId) ?? record;
      }
      const found = live(record.tenantId);
      if (found !== undefined) return found;
      if (!keys.has(record.keyId)) keys.set(record.keyId, Object.freeze({ ...record }));
      return keys.get(record.keyId) ?? record;
    },
    rewrap(rewrap) {
      // Computed for every key before any is replaced: all or nothing, as in a transaction.
      const next = [...keys.values()].flatMap((key) =>
        key.wrappedKey === null
          ? []
          : [{ ...key, wrappedKey: rewrap({ ...key, wrappedKey: key.wrappedKey }) }],
      );
      for (const key of next) keys.set(key.keyId, Object.freeze(key));
      return next.length;
    },
    destroy(tenantId) {
      let destroyed = 0;
      for (const key of keys.values()) {
        if (key.tenantId !== tenantId || key.wrappedKey === null) continue;
        keys.set(key.keyId, Object.freeze({ ...key, wrappedKey: null }));
        destroyed += 1;
      }
      return destroyed;
    },
  };
}
