import { z } from 'zod';
import { DataSourceError, ErrorCode, parseInput } from '../domain/errors.js';
import { createChainCheck } from '../store/chain.js';
import type { EventStore } from '../store/event-store.js';

/** Events read from the store at a time: what a verification holds in memory. */
const PAGE_SIZE = 1000;

/** How far a verification has come. */
export interface VerifyProgress {
  /** Events checked so far. */
  readonly events: number;
  /** The position of the last event checked. */
  readonly position: number;
  /** The position the verification runs to: the store's head when it began. */
  readonly head: number;
}

/** What `verifyLog` is given. */
export interface VerifyLogOptions {
  /** The store to verify, as created (not a registry). */
  readonly store: EventStore;
  /** Called after each page of events is checked. */
  readonly onProgress?: (progress: VerifyProgress) => void;
}

/** What a verification found. */
export interface VerifyResult {
  /** True when every event up to the head chains to the one before it. */
  readonly ok: boolean;
  /** Events whose hash was checked (sealed events up to the first break). */
  readonly checked: number;
  /**
   * The last event the chain vouches for, and its hash: the pair to record
   * outside the database (see "Anchoring the head" in docs/audit.md).
   * Position 0 and 64 zeros for an empty log.
   */
  readonly position: number;
  readonly hash: string;
  /** Events after `position` not sealed yet (PostgreSQL, committed a moment ago); 0 elsewhere. */
  readonly unsealed: number;
  /** The first event that breaks the chain, when `ok` is false. */
  readonly firstBadPosition?: number;
  /** Why that event breaks it. */
  readonly reason?: string;
}

const optionsSchema = z.strictObject({
  store: z.custom<EventStore>(
    (value) => typeof value === 'object' && value !== null && 'readAll' in value,
    'an event store',
  ),
  onProgress: z
    .custom<(progress: VerifyProgress) => void>((value) => typeof value === 'function')
    .optional(),
});

/** A row the store could not read back is a break at its position, not a failure of the walk. */
function damagedRow(error: unknown): { position: number; reason: string } | null {
  if (!(error instanceof DataSourceError) || error.code !== ErrorCode.CORRUPT_LOG) return null;
  const position = error.details?.position;
  return typeof position === 'number' ? { position, reason: error.message } : null;
}

/**
 * Walks the log in position order, up to the store's head when it began,
 * and checks that every event's hash covers its content as stored and the
 * hash of the event before it. A store that seals after commit (PostgreSQL)
 * is asked to seal what is committed first; events still unsealed at the
 * end are counted, not checked. Streams: the store is read 1,000 events at a
 * time, so memory stays flat whatever the size of the log.
 *
 * The result says where the chain first breaks (an event changed, removed,
 * moved or inserted around the store), or, when it holds, the last position
 * and hash it vouches for, to anchor outside the database.
 *
 * @throws DataSourceError INVALID_INPUT for options that are not as typed;
 *   STORE_ERROR when the store fails.
 */
export async function verifyLog(options: VerifyLogOptions): Promise<VerifyResult> {
  const { store, onProgress } = parseInput(optionsSchema, options, 'verify options');
  await store.seal?.();
  const head = await store.head();
  const check = createChainCheck();
  const result = (broken?: { position: number; reason: string }): VerifyResult => ({
    ok: broken === undefined,
    checked: check.checked,
    position: check.head.position,
    hash: check.head.hash,
    unsealed: check.unsealed,
    ...(broken === undefined ? {} : { firstBadPosition: broken.position, reason: broken.reason }),
  });
  let position = 0;
  let events = 0;
  while (position < head) {
    let page: Awaited<ReturnType<EventStore['readAll']>>;
    try {
      page = await store.readAll({ after: position, limit: PAGE_SIZE });
    } catch (error) {
      const damaged = damagedRow(error);
      if (damaged === null) throw error;
      // The events of the page before the damaged row may break the chain first.
      // (Where positions skip numbers the shorter read can reach the damaged row again.)
      const before = await store
        .readAll({ after: position, limit: damaged.position - position - 1 })
        .catch(() => []);
      return result(check.accept(before) ?? damaged);
    }
    const inRange = page.filter((event) => event.position <= head);
    if (inRange.length === 0) break;
    const broken = check.accept(inRange);
    if (broken !== null) return result(broken);
    events += inRange.length;
    position = inRange[inRange.length - 1]?.position ?? position;
    onProgress?.({ events, position, head });
  }
  return result();
}
