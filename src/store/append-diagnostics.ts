import { channel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import { DataSourceError, type ErrorCode } from '../domain/errors.js';
import type { AppendOutcome, AppendRequest, StoredEvent } from './event-store.js';

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
 * Runs one write of a store and publishes how it went. When nobody listens
 * it only calls `write`: no clock read, no message built.
 */
export async function observeWrite(
  store: string,
  requests: readonly AppendRequest[],
  write: () => Promise<AppendOutcome[]>,
): Promise<AppendOutcome[]> {
  if (!appends.hasSubscribers) return write();
  const started = performance.now();
  const base = {
    store,
    commands: requests.length,
    events: requests.reduce((sum, request) => sum + request.events.length, 0),
  };
  let outcomes: AppendOutcome[];
  try {
    outcomes = await write();
  } catch (error) {
    const durationMs = performance.now() - started;
    appends.publish({
      ...base,
      refused: 0,
      errorCode: codeOf(error),
      failed: true,
      durationMs,
    } satisfies AppendMessage);
    throw error;
  }
  const durationMs = performance.now() - started;
  const refusals = outcomes.flatMap((outcome) => (outcome.ok ? [] : [outcome.error]));
  appends.publish({
    ...base,
    refused: refusals.length,
    errorCode: codeOf(refusals[0]),
    failed: false,
    durationMs,
  } satisfies AppendMessage);
  return outcomes;
}

/** {@link observeWrite} for a store that writes each append on its own and throws its refusal. */
export async function observeAppend(
  store: string,
  request: AppendRequest,
  append: () => Promise<StoredEvent[]>,
): Promise<StoredEvent[]> {
  if (!appends.hasSubscribers) return append();
  const [outcome] = await observeWrite(store, [request], async () => {
    try {
      return [{ ok: true, events: await append() }];
    } catch (error) {
      return [{ ok: false, error: error as Error }];
    }
  });
  if (outcome?.ok) return outcome.events;
  throw outcome?.error;
}
