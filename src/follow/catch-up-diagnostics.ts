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

/**
 * Runs one read of the log and publishes how it went. When nobody listens
 * it only calls `read`: no clock read, no message built.
 */
export async function observeCatchUp(
  store: string,
  /** The position applied, and how many events were read so far. */
  progress: () => readonly [number, number],
  read: () => Promise<void>,
): Promise<void> {
  if (!catchUps.hasSubscribers) return read();
  const [from, readBefore] = progress();
  const started = performance.now();
  let errorCode: ErrorCode | null = null;
  try {
    await read();
  } catch (error) {
    errorCode = error instanceof DataSourceError ? error.code : ErrorCode.STORE_ERROR;
    throw error;
  } finally {
    const [to, readAfter] = progress();
    catchUps.publish({
      store,
      from,
      to,
      events: readAfter - readBefore,
      errorCode,
      durationMs: performance.now() - started,
    } satisfies CatchUpMessage);
  }
}
