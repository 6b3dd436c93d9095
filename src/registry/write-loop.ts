import type { DataSourceError } from '../domain/errors.js';
import type { DataSourceEvent } from '../domain/events.js';
import type { SourceStream } from '../domain/stream.js';
import type { CatchUp } from '../follow/catch-up.js';
import type { SecretFingerprinter } from '../security/secret-fingerprints.js';
import type { WriteModel } from '../state/write-model.js';
import type { EventStore, StoredEvent } from '../store/event-store.js';
import { atPosition, occurredAtOf, type ParsedContext } from './command-events.js';
import type { NoteCommit } from './diagnostics.js';
import { type AppendPlan, isConflict, writeError } from './write-plan.js';

/** What the write loop needs from the registry it writes for. */
export interface WriteLoopDeps {
  store: EventStore;
  /** The stream states commands are decided on, and the position they reach. */
  state: WriteModel;
  catchUp: CatchUp;
  /** Applies committed events to the state and the projections, and publishes them. */
  apply: (events: readonly DataSourceEvent[]) => void;
  /**
   * Applies our own committed events ahead of earlier ones not read yet, when
   * that is safe; false when they must wait for the log up to them.
   */
  applyAhead: (events: readonly DataSourceEvent[]) => boolean;
  /** The registry could not read up to `head` after a commit: the follower takes it from here. */
  fellBehind: (head: number, error: unknown) => void;
  clock: () => Date;
  newId: () => string;
  /** Fingerprints secrets under this registry's key. */
  fingerprint: SecretFingerprinter;
  /** How long a command that lost a race keeps trying, in milliseconds. */
  conflictTimeoutMs: number;
  /** At most this many retries, within the time budget. */
  retries: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What one attempt of a command came to: its result at once, or a plan to append first. */
export type Step<T> =
  | { done: T }
  | { plan: AppendPlan; result: (committed: readonly DataSourceEvent[]) => T };

/**
 * The loop every command runs: an attempt decides on the current state, its
 * plan is appended with expected versions and claims, and what was committed
 * is applied. A conflict means another writer got there first: the command
 * recovers (reads what it wrote) and attempts again, until the time budget
 * or the retries run out.
 */
export function createWriteLoop(deps: WriteLoopDeps) {
  const { state, catchUp } = deps;

  /** What each event a command decides on `stream` is wrapped in: ids, time, metadata, fingerprints. */
  function envelopeOf(
    stream: SourceStream,
    sourceId: string,
    tenantId: string,
    ctx: ParsedContext,
    occurredAt = occurredAtOf(deps.clock),
  ) {
    return {
      sourceId,
      tenantId,
      version: stream.version,
      occurredAt,
      metadata: ctx.metadata,
      newId: deps.newId,
      fingerprint: deps.fingerprint,
      before: stream.source,
    };
  }

  /**
   * Our own committed events go straight in, after any earlier ones not seen
   * yet, or ahead of them where those may still be committing (the follower
   * reads them later). Once the store has committed, the command has
   * happened: a failed read here must not make it look failed (a caller
   * would retry it and apply it twice), so the follower catches up instead.
   */
  function commit(events: readonly DataSourceEvent[]): Promise<void> | undefined {
    const first = events[0];
    const last = events[events.length - 1];
    // Stryker disable next-line ConditionalExpression,LogicalOperator: commit() is only called with the events of a non-empty plan
    if (!first || !last) return;
    if (first.position === state.position + 1) {
      deps.apply(events);
      return;
    }
    if (deps.applyAhead(events)) return;
    return catchUp(last.position).catch((error: unknown) => deps.fellBehind(last.position, error));
  }

  async function writeWithRetry<T>(
    attempt: () => Promise<Step<T>> | Step<T>,
    recover: (conflict: DataSourceError<'CONCURRENCY_CONFLICT'>) => Promise<void>,
    note: NoteCommit,
  ): Promise<T> {
    const deadline = Date.now() + deps.conflictTimeoutMs;
    for (let tries = 0; ; tries++) {
      // Most attempts decide without reading anything: no await for them.
      const next = attempt();
      const step = next instanceof Promise ? await next : next;
      if ('done' in step) return step.done;
      // Stryker disable next-line ConditionalExpression: a shortcut; an empty append stores nothing
      if (step.plan.events.length === 0) return step.result([]);
      let stored: readonly StoredEvent[];
      try {
        stored = await deps.store.append(step.plan);
      } catch (error) {
        if (isConflict(error) && tries < deps.retries && Date.now() < deadline) {
          // Writers racing on one stream would collide again in lockstep: a
          // random, growing pause lets one through, then the others follow.
          // A tenant that gained a source is no such race: waiting would only
          // let registrations pile up between our read and our next append.
          // Nor is a purge that destroyed the key our secrets were sealed under.
          if (error.details.reason === 'version' || error.details.reason === 'claim') {
            await sleep(Math.random() * Math.min(100, 2 ** tries));
          }
          await recover(error);
          continue;
        }
        throw writeError(error);
      }
      const committed = step.plan.events.map((event, i) =>
        // Stryker disable next-line OptionalChaining: a store returns each event it appended
        atPosition(event, stored[i]?.position ?? 0),
      );
      note(committed, tries + 1);
      const applying = commit(committed);
      // Stryker disable next-line ConditionalExpression: a shortcut; awaiting undefined only takes a microtask
      if (applying) await applying;
      return step.result(committed);
    }
  }

  return { envelopeOf, writeWithRetry };
}
