import { tracingChannel } from 'node:diagnostics_channel';
import { performance } from 'node:perf_hooks';
import type { DataSourceCommand } from '../domain/commands.js';
import { DataSourceError, type ErrorCode } from '../domain/errors.js';
import type { DataSourceEvent, EventMetadata } from '../domain/events.js';
import { CATCH_UP_CHANNEL } from '../follow/catch-up-diagnostics.js';
import { APPEND_CHANNEL } from '../store/append-diagnostics.js';
import { SNAPSHOT_CHANNEL } from './snapshots.js';

/**
 * The `node:diagnostics_channel` names the registry publishes on. `command`
 * is a tracing channel: subscribe with `tracingChannel(name).subscribe({
 * start, end, asyncStart, asyncEnd, error })`, or to one of its channels,
 * `tracing:datasource-registry:command:asyncEnd` and the like. `append` and
 * `catchUp` are plain channels, one message each when a write or a read is
 * done; `snapshot` one when a snapshot is written, loaded or ignored. Nothing is built or timed for a channel nobody subscribes to.
 */
export const DIAGNOSTICS_CHANNELS = Object.freeze({
  command: 'datasource-registry:command',
  append: APPEND_CHANNEL,
  catchUp: CATCH_UP_CHANNEL,
  snapshot: SNAPSHOT_CHANNEL,
} as const);

/** What a command that ran to its end came to. */
export interface CommandOutcome {
  /** How many events it appended: 0 for a command that changed nothing. */
  readonly events: number;
  /** The position of its last event, or null when it appended none. */
  readonly position: number | null;
  /** True when it changed nothing (or found no such live source) and appended nothing. */
  readonly noop: boolean;
  /** For a command that appended, how many appends that took: more than 1 after lost races. 1 for a no-op. */
  readonly attempts: number;
}

/**
 * One command, from its start to its end: the object every event of the
 * `command` tracing channel carries, filled in as it goes. It names the
 * command and who made it, never a config value or a secret.
 */
export interface CommandMessage {
  /** The command: 'Register', 'Update', 'Activate', …, 'Delete', 'ClearTenant' or 'PurgeTenant'. */
  readonly command: DataSourceCommand['type'] | 'ClearTenant' | 'PurgeTenant';
  /** The source, or null for ClearTenant and PurgeTenant. */
  readonly sourceId: string | null;
  /** Its tenant as the registry knows it at the start (null for a source it has not seen). */
  readonly tenantId: string | null;
  /** `ctx.actor`, or null. */
  readonly actor: string | null;
  /** `ctx.correlationId`, or null. */
  readonly correlationId: string | null;
  /** Set by its end (asyncEnd), when it resolved. */
  outcome?: CommandOutcome;
  /** Set by its end (error, asyncEnd), when it failed: the error it rejected with. */
  error?: unknown;
  /** With `error`: its DataSourceError code, or null for another error. */
  errorCode?: ErrorCode | null;
  /** Set by its end: from its start to its end in milliseconds, waits for locks and retries included. */
  durationMs?: number;
}

/** Tells the trace what a command appended: called once per commit, not called for a no-op. */
export type NoteCommit = (events: readonly DataSourceEvent[], attempts: number) => void;

const commands = tracingChannel<unknown, CommandMessage>(DIAGNOSTICS_CHANNELS.command);

// TracingChannel#hasSubscribers came later than Node 20.0: ask its channels.
const traced = () =>
  // Stryker disable next-line ConditionalExpression: a shortcut; see traceCommand
  commands.start.hasSubscribers ||
  commands.end.hasSubscribers ||
  commands.asyncStart.hasSubscribers ||
  commands.asyncEnd.hasSubscribers ||
  commands.error.hasSubscribers;

const ignore: NoteCommit = () => {};

/** The start of a command's message: who did what to which source, no more. */
export function commandMessage(
  command: CommandMessage['command'],
  sourceId: string | null,
  tenantId: string | undefined,
  metadata: EventMetadata,
): CommandMessage {
  return {
    command,
    sourceId,
    tenantId: tenantId ?? null,
    actor: metadata.actor ?? null,
    correlationId: metadata.correlationId ?? null,
  };
}

/**
 * Runs a command, publishing its start and its end on the `command` tracing
 * channel. Like `tracePromise`, but the message never holds the command's
 * result (a source, with its config): only the outcome counts. With a
 * subscriber of start (or a store bound to it), the command runs inside
 * `start.runStores`, so a subscriber's AsyncLocalStorage (a span, say) is
 * current for everything the command does.
 */
export function traceCommand<T>(
  describe: () => CommandMessage,
  run: (note: NoteCommit) => Promise<T>,
): Promise<T> {
  // Stryker disable next-line ConditionalExpression: a shortcut; tracing with no subscriber publishes to no one
  if (!traced()) return run(ignore);
  const message: CommandMessage = describe();
  const started = performance.now();
  let outcome: CommandOutcome = { events: 0, position: null, noop: true, attempts: 1 };
  const note: NoteCommit = (events, attempts) => {
    outcome = {
      events: events.length,
      position: events.at(-1)?.position ?? null,
      noop: false,
      attempts,
    };
  };
  const failed = (error: unknown) => {
    message.durationMs = performance.now() - started;
    message.error = error;
    message.errorCode = error instanceof DataSourceError ? error.code : null;
    commands.error.publish(message);
  };
  const body = () => {
    let running: Promise<T>;
    try {
      running = run(note);
    } catch (error) {
      failed(error);
      throw error;
    } finally {
      commands.end.publish(message);
    }
    return running.then(
      (result) => {
        message.durationMs = performance.now() - started;
        message.outcome = outcome;
        commands.asyncStart.publish(message);
        commands.asyncEnd.publish(message);
        return result;
      },
      (error: unknown) => {
        failed(error);
        commands.asyncStart.publish(message);
        commands.asyncEnd.publish(message);
        throw error;
      },
    );
  };
  // Entering the stores costs about as much as a command again: only for
  // a subscriber of start, which is where stores are bound.
  return commands.start.hasSubscribers ? commands.start.runStores(message, body) : body();
}
