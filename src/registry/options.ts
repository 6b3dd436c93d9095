import { z } from 'zod';
import { tagSchema, tenantIdSchema } from '../domain/commands.js';
import { dataSourceStatusSchema, dataSourceTypeSchema } from '../domain/enums.js';
import { copiedInput } from '../domain/input-copy.js';
import type { EventStore } from '../store/event-store.js';

/** How a registry is built. Every option has a default. */
export interface DataSourceRegistryOptions {
  /** Where the log lives: a new in-memory store by default. */
  store?: EventStore;
  /** 32 bytes, or their base64, to encrypt secrets in a durable store; else DATASOURCE_REGISTRY_KEY. */
  encryptionKey?: Uint8Array | string;
  /** The clock events take their time from. */
  clock?: () => Date;
  /** Makes event ids and new source ids: monotonic ULIDs by default. */
  newId?: () => string;
  /**
   * How long, in milliseconds, a command without `expectedVersion` that lost a
   * race to another writer keeps reading what it missed and trying again
   * before it fails with CONCURRENCY_CONFLICT (default 10,000). A command with
   * `expectedVersion` fails at its first conflict: the caller asked for that version.
   *
   * @example
   * await DataSourceRegistry.open({ store, conflictTimeoutMs: 30_000 });
   */
  conflictTimeoutMs?: number;
  /**
   * At most this many retries of a command that lost a race, whatever time is
   * left of `conflictTimeoutMs` (default: no limit but the time budget).
   */
  conflictRetries?: number;
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
export type ListFilter = z.input<typeof listFilterSchema>;
