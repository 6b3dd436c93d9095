import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { DataSourceError, type ErrorCode } from '../domain/errors.js';
import type { AppendOutcome, AppendRequest } from './event-store.js';

/** The channel a store publishes one {@link AppendMessage} on per write it commits or fails. */
export const APPEND_CHANNEL = 'datasource-registry:append';

/**
 * One write of a store: one transaction, which holds the appends of every
 * command in flight at once (group commit) on SQLite and PostgreSQL, and one
 * command's append in memory. It carries counts, never an event.
 */
export interface AppendMessage {
  /** The store's kind: 'memory', 'sqlite', 'postgres'. */
  readonly store: string;
  /** The commands whose appends went in this write. */
  readonly commands: number;
  /** The events they held. */
  readonly events: number;
  /** The commands whose append was refused on its own, mostly conflicts (the others committed). */
  readonly refused: number;
  /** The code of the first refusal or of the failure of the whole write. */
  readonly errorCode: ErrorCode | null;
  /** True when the whole write failed: nothing of it was committed. */
  readonly failed: boolean;
  /** From the start of the write to its outcome, in milliseconds. */
  readonly durationMs: number;
}

const appends = channel(APPEND_CHANNEL);

const codeOf = (error: unknown): ErrorCode | null =>
  error instanceof DataSourceError ? error.code : null;

/**
 * When a write starts: the time, or null when nobody listens (then nothing
 * is measured or published). A pair of calls around the write rather than a
 * wrapper: no closure or promise more per append, observed or not (a
 * wrapper cost a memory registry with a subscriber up to half its commands
 * per second).
 */
export function writeStarted(): number | null {
  return appends.hasSubscribers ? performance.now() : null;
}

/**
 * When the write ended, with one outcome per request, or the error that
 * failed it whole. Callers skip it when {@link writeStarted} gave null, so
 * nothing is built for it either.
 */
export function writeEnded(
  store: string,
  requests: readonly AppendRequest[],
  started: number | null,
  ended: { outcomes: readonly AppendOutcome[] } | { error: unknown },
): void {
  if (started === null || !appends.hasSubscribers) return;
  const durationMs = performance.now() - started;
  const events = requests.reduce((sum, request) => sum + request.events.length, 0);
  const refusals =
    'outcomes' in ended
      ? ended.outcomes.flatMap((outcome) => (outcome.ok ? [] : [outcome.error]))
      : [];
  appends.publish({
    store,
    commands: requests.length,
    events,
    refused: refusals.length,
    errorCode: codeOf('error' in ended ? ended.error : refusals[0]),
    failed: 'error' in ended,
    durationMs,
  } satisfies AppendMessage);
}
