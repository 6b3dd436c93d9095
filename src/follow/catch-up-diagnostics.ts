import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { DataSourceError, ErrorCode } from '../domain/errors.js';

/** The channel a registry publishes one {@link CatchUpMessage} on per read of the log it finishes. */
export const CATCH_UP_CHANNEL = 'datasource-registry:catch-up';

/**
 * One read of the log to its head: on opening, after another writer appended
 * (or a command of this registry committed behind one), on `refresh()`. It
 * carries positions and counts, never an event.
 */
export interface CatchUpMessage {
  /** The store's kind: 'memory', 'sqlite', 'postgres'. */
  readonly store: string;
  /** The position the registry had applied before the read. */
  readonly from: number;
  /** The position it had applied after it (equal to `from` when the read found nothing). */
  readonly to: number;
  /** How many events it read and handed to the fold. */
  readonly events: number;
  /** Null, or the code of the error that ended the read (the follower retries it). */
  readonly errorCode: ErrorCode | null;
  /** From the start of the read to its end, in milliseconds. */
  readonly durationMs: number;
}

const catchUps = channel(CATCH_UP_CHANNEL);

/** Where a read started, for {@link readEnded}; null when nobody listens. */
export interface ReadStart {
  readonly from: number;
  readonly read: number;
  readonly at: number;
}

/**
 * When a read of the log starts, given the position applied and how many
 * events were read so far. A pair of calls inside the read rather than a
 * wrapper, so observing adds no turn of the event loop to a catch-up.
 */
export function readStarted(position: number, read: number): ReadStart | null {
  return catchUps.hasSubscribers ? { from: position, read, at: performance.now() } : null;
}

/** When the read ended, with the same two counts, and the error that ended it if one did. */
export function readEnded(
  store: string,
  start: ReadStart | null,
  position: number,
  read: number,
  failure?: { error: unknown },
): void {
  if (start === null || !catchUps.hasSubscribers) return;
  let errorCode: ErrorCode | null = null;
  if (failure !== undefined) {
    errorCode =
      failure.error instanceof DataSourceError ? failure.error.code : ErrorCode.STORE_ERROR;
  }
  catchUps.publish({
    store,
    from: start.from,
    to: position,
    events: read - start.read,
    errorCode,
    durationMs: performance.now() - start.at,
  } satisfies CatchUpMessage);
}
