import { z } from 'zod';
import { parseInput } from '../domain/errors.js';

/**
 * A fold of the log saved at a position, as a store keeps it: opaque bytes
 * under the format they were written in. The store never reads `data`; the
 * registry decides whether it can trust it (see docs/snapshots.md).
 */
export const storedSnapshotSchema = z.strictObject({
  /** The position of the last event folded into it. */
  position: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** Who wrote it and how: a reader that does not know this format ignores it. */
  format: z.string().min(1).max(128),
  /**
   * The log's chain hash at `position`, for a log that chains its events;
   * null otherwise. Lets a reader check the snapshot belongs to the log it is read from.
   */
  chainHash: z.string().max(256).nullable(),
  data: z.custom<Uint8Array>((value) => value instanceof Uint8Array, { error: 'must be bytes' }),
});
/** A snapshot as a store keeps it: its position, format, the chain hash there, and its bytes. */
export type StoredSnapshot = Readonly<z.infer<typeof storedSnapshotSchema>>;

/**
 * Checks a snapshot handed to a store's `storeSnapshot`.
 *
 * @throws DataSourceError INVALID_INPUT naming what is wrong.
 */
export function checkSnapshot(snapshot: unknown): StoredSnapshot {
  return parseInput(storedSnapshotSchema, snapshot, 'snapshot');
}

/**
 * Whether a snapshot about to be stored replaces the one kept: unless the
 * kept one is further along the log, so a slow writer of an older snapshot
 * never takes a newer one away.
 */
export function replacesSnapshot(kept: { position: number } | null, next: StoredSnapshot): boolean {
  return kept === null || next.position >= kept.position;
}
