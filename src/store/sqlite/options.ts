import { z } from 'zod';
import type { DataSourceError } from '../../domain/errors.js';

/** Where SQLite keeps a private database that lives and dies with its connection. */
export const IN_MEMORY = ':memory:';

const filenameSchema = z
  .string({ error: 'must be a string: a file path, or ":memory:" for an in-memory store' })
  // An empty name makes SQLite open a temporary file: not durable, yet on disk,
  // and without encryption (the store says it is not durable), so it is refused.
  .refine((name) => name.trim().length > 0, {
    error: 'must name a file, or be ":memory:" for an in-memory store',
  });

/** The options {@link createSqliteEventStore} accepts, checked when the store is created. */
export const sqliteEventStoreOptionsSchema = z.strictObject({
  /** The database file; created with its tables when it does not exist. `":memory:"` for a private, non-durable one. */
  filename: filenameSchema,
  /**
   * `"normal"` (default): an acknowledged append survives the process being
   * killed; a power loss or OS crash may lose the last few, never corrupt the
   * file. `"full"`: every append is fsynced, so it survives a power loss too,
   * at the price of one disk flush per append.
   */
  synchronous: z.enum(['normal', 'full']).optional(),
  /** How long to wait for another process writing the same file before failing (default 5000 ms). */
  busyTimeoutMs: z.number().int().min(0).max(2_147_483_647).optional(),
  /**
   * How often, in milliseconds, a store with subscribers looks for commits
   * made by other connections to the file (default 50).
   */
  pollIntervalMs: z.number().positive().max(2_147_483_647).optional(),
  /** Told of failures the store recovers from by itself: a failed poll, a listener that threw. */
  onError: z
    .custom<(error: DataSourceError) => void>((value) => typeof value === 'function', {
      error: 'must be a function',
    })
    .optional(),
});

/** Options of {@link createSqliteEventStore}. */
export type SqliteEventStoreOptions = z.input<typeof sqliteEventStoreOptionsSchema>;
