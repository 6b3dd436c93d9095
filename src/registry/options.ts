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
  /** How many times a command that lost a race catches up and tries again (default 20). */
  conflictRetries?: number;
}

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
