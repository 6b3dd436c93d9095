import { z } from 'zod';
import { tagSchema, tenantIdSchema } from '../domain/commands.js';
import { dataSourceStatusSchema, dataSourceTypeSchema } from '../domain/enums.js';
import { copiedInput } from '../domain/input-copy.js';
import type { EventStore } from '../store/event-store.js';

/** How a registry is built. Every option has a default. */
export interface DataSourceRegistryOptions {
  /** Where the log lives: a new in-memory store by default. */
  store?: EventStore | undefined;
  /**
   * The master key that encrypts secrets in a durable store: 32 bytes, or
   * their base64; else `DATASOURCE_REGISTRY_KEY` (base64, several keys
   * separated by commas). Never all zero bytes.
   *
   * A list (current key first) serves a key rotation: the current key seals
   * new secrets, every listed key opens what was sealed under it.
   *
   * The log keeps a key ring, the ids of the keys it accepts (never the
   * keys). The first `open()` of a new log pins its keys; later, an instance
   * whose current key is not in the ring is refused at `open()` with
   * SECRET_UNAVAILABLE and writes nothing, unless another of its listed keys
   * is in the ring: then its current key joins the ring. A memory registry
   * checks the key and keeps a ring in its store too, though it encrypts nothing.
   *
   * @example
   * // rotating: the new key joins the ring, secrets sealed under the old one stay readable
   * await DataSourceRegistry.open({ store, encryptionKey: [newKey, oldKey] });
   */
  encryptionKey?: Uint8Array | string | readonly (Uint8Array | string)[] | undefined;
  /**
   * Opens the log for reading only, without a key (default false): every
   * query, listener and `history()` works, secrets read as `"***"`, and
   * every command fails with FORBIDDEN, appending nothing. Reading a secret
   * (`DataSourceConfig.getConnectionUrl` unmasked, `toDict` with
   * `includeSecrets`) fails with SECRET_UNAVAILABLE. A read-only registry
   * uses no key, even when one is set, and never changes the key ring.
   */
  readOnly?: boolean | undefined;
  /** The clock events take their time from. */
  clock?: (() => Date) | undefined;
  /** Makes event ids and new source ids: monotonic ULIDs by default. */
  newId?: (() => string) | undefined;
  /**
   * How long, in milliseconds, a command without `expectedVersion` that lost a
   * race to another writer keeps reading what it missed and trying again
   * before it fails with CONCURRENCY_CONFLICT (default 10,000). A command with
   * `expectedVersion` fails at its first conflict: the caller asked for that version.
   *
   * @example
   * await DataSourceRegistry.open({ store, conflictTimeoutMs: 30_000 });
   */
  conflictTimeoutMs?: number | undefined;
  /**
   * At most this many retries of a command that lost a race, whatever time is
   * left of `conflictTimeoutMs` (default: no limit but the time budget).
   */
  conflictRetries?: number | undefined;
  /**
   * Takes a snapshot of the registry's state in the background once this
   * many events were applied since the last one (default: never; see
   * `registry.snapshot()` and docs/snapshots.md). `open()` then restores the
   * newest snapshot and replays only the events after it. Writing one never
   * delays or fails a command: a failure goes to the `snapshotError`
   * listeners. Not with `readOnly`, and only on a store that keeps snapshots.
   *
   * @example
   * await DataSourceRegistry.open({ store, snapshotEvery: 10_000 });
   */
  snapshotEvery?: number | undefined;
}

/** How long and how often a command that lost a race tries again; checked when a registry is made. */
export const conflictOptionsSchema = z.object({
  conflictTimeoutMs: z
    .number()
    .min(0)
    .max(2 ** 31 - 1)
    .default(10_000),
  conflictRetries: z.number().int().min(0).or(z.literal(Number.POSITIVE_INFINITY)).optional(),
});

/** The options with a value to check when a registry is made. */
export const registryOptionsSchema = conflictOptionsSchema
  .extend({
    readOnly: z.boolean().default(false),
    snapshotEvery: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  })
  .refine((options) => !(options.readOnly && options.snapshotEvery !== undefined), {
    message: 'a read-only registry holds no secret, so it writes no snapshot',
    path: ['snapshotEvery'],
  });

/** The filter of `list` and `count`; the tenant id is normalized as when it was registered. */
export const listFilterSchema = copiedInput(
  z.strictObject({
    tenantId: tenantIdSchema.optional(),
    sourceType: dataSourceTypeSchema.optional(),
    status: dataSourceStatusSchema.optional(),
    tag: tagSchema.optional(),
    limit: z.number().int().min(0).optional(),
    offset: z.number().int().min(0).optional(),
  }),
);
/**
 * What `list` and `count` match (tenant, type, status, tag; all given must
 * hold) and which page `list` returns (`offset`, `limit`: 100 by default).
 */
export type ListFilter = z.input<typeof listFilterSchema>;
