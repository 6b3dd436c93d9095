import type { DataSourceCommand } from '../domain/commands.js';
import type { CustomerDataSource } from '../domain/data-source.js';
import { decide } from '../domain/decide.js';
import { DataSourceError, ErrorCode } from '../domain/errors.js';
import type { DataSourceEvent } from '../domain/events.js';
import { evolve } from '../domain/evolve.js';
import type { SourceStream } from '../domain/stream.js';
import { tenantStreamId } from '../domain/tenant-stream.js';
import { catchUpToHead } from '../follow/catch-up.js';
import { getSourceByName } from '../projections/queries.js';
import { type QueryProjections, tenantSourceIds } from '../projections/query-projections.js';
import { streamOf } from '../state/write-model.js';
import { envelope, expectedVersions, occurredAtOf, type ParsedContext } from './command-events.js';
import { commandMessage, type NoteCommit, traceCommand } from './diagnostics.js';
import type { KeyedLock } from './keyed-lock.js';
import { duplicateName, nameChange } from './name-claims.js';
import { toDomainEvent } from './read-events.js';
import { type TenantDeletion, tenantDeletionPlan } from './tenant-deletion.js';
import { createWriteLoop, type Step, type WriteLoopDeps } from './write-loop.js';
import type { AppendPlan } from './write-plan.js';

/** What the writer needs from the registry it writes for. */
export interface CommandWriterDeps extends WriteLoopDeps {
  /** Names held by live sources, and a tenant's sources for clearTenant. */
  projections: QueryProjections;
  locks: KeyedLock;
}

/** Folds events onto a stream state, skipping those it already holds. */
function fold(stream: SourceStream, events: readonly DataSourceEvent[]): SourceStream {
  return events.reduce(
    (state, event) => (event.streamVersion > state.version ? evolve(state, event) : state),
    stream,
  );
}

/**
 * The write side of the registry: decide on the current state, append with
 * expected versions and name claims, apply what was committed. A conflict
 * means another writer got there first: read what it wrote and decide again,
 * until the time budget runs out.
 */
export function createCommandWriter(deps: CommandWriterDeps) {
  const { state, projections, catchUp } = deps;
  const { envelopeOf, writeWithRetry } = createWriteLoop(deps);

  /** The stream after what the store holds beyond `known`: one stream read, not the log. */
  async function readStream(sourceId: string, known: SourceStream): Promise<SourceStream> {
    const stored = await deps.store.readStream(sourceId);
    return fold(known, stored.filter((e) => e.streamVersion > known.version).map(toDomainEvent));
  }

  /**
   * The stream as the command should see it, caught up where this registry
   * may be behind; at once when it need not read.
   */
  function currentStream(
    sourceId: string,
    command: DataSourceCommand,
    ctx: ParsedContext,
    latest: () => SourceStream,
  ): SourceStream | Promise<SourceStream> {
    const stream = latest();
    // Another instance may have registered it, or moved it on, since this one last read the log.
    // Stryker disable next-line ConditionalExpression,StringLiteral: catching up more often only costs a read
    const unknown = stream.version === 0 && command.type !== 'Register';
    const stale = ctx.expectedVersion !== undefined && stream.version !== ctx.expectedVersion;
    if (unknown || stale) {
      return catchUp().then(() => checkedVersion(sourceId, ctx, latest()));
    }
    return checkedVersion(sourceId, ctx, stream);
  }

  function checkedVersion(sourceId: string, ctx: ParsedContext, stream: SourceStream) {
    if (ctx.expectedVersion !== undefined && stream.version !== ctx.expectedVersion) {
      throw new DataSourceError(
        `Data source ${sourceId} is at version ${stream.version}, not ${ctx.expectedVersion}`,
        {
          code: ErrorCode.CONCURRENCY_CONFLICT,
          sourceId,
          details: {
            reason: 'version',
            streamId: sourceId,
            expected: ctx.expectedVersion,
            actual: stream.version,
          },
        },
      );
    }
    return stream;
  }

  /** One command on one stream; null when there is no such live source. */
  function execute(
    sourceId: string,
    ctx: ParsedContext,
    command: DataSourceCommand,
  ): Promise<CustomerDataSource | null> {
    const tenantId = () =>
      command.type === 'Register' ? command.tenantId : streamOf(state, sourceId).source?.tenantId;
    return traceCommand(
      () => commandMessage(command.type, sourceId, tenantId(), ctx.metadata),
      (note) => executeLocked(sourceId, ctx, command, note),
    );
  }

  function executeLocked(
    sourceId: string,
    ctx: ParsedContext,
    command: DataSourceCommand,
    note: NoteCommit,
  ): Promise<CustomerDataSource | null> {
    return deps.locks.run([sourceId], () => {
      // What a lost race taught us about this stream, while the write model has not caught up.
      let read: SourceStream | null = null;
      const latest = () => {
        const held = streamOf(state, sourceId);
        return read === null || held.version >= read.version ? held : read;
      };
      const decideOn = (stream: SourceStream): Step<CustomerDataSource | null> => {
        if (command.type !== 'Register' && stream.source === null) return { done: null };
        const drafts = decide(command, stream);
        const before = stream.source;
        // Stryker disable next-line ConditionalExpression: a shortcut; a plan without events appends nothing and returns the state it was decided on
        if (drafts.length === 0) return { done: before };
        // Stryker disable next-line ConditionalExpression: a command other than Register on no source returned above
        const tenantId = before?.tenantId ?? (command.type === 'Register' ? command.tenantId : '');
        const names = nameChange(sourceId, tenantId, before, drafts);
        if (names.taken !== null) {
          const holder = getSourceByName(projections, tenantId, names.taken);
          if (holder && holder.sourceId !== sourceId) {
            throw duplicateName(tenantId, names.taken, holder.sourceId);
          }
        }
        const plan: AppendPlan = {
          events: envelope(drafts, envelopeOf(stream, sourceId, tenantId, ctx)),
          expectedVersions: expectedVersions(sourceId, stream.version),
          claims: names.claims,
          releases: names.releases,
        };
        return {
          plan,
          // The committed events on the state they were decided on: the
          // result does not wait for the write model to have applied them.
          result: (committed) => {
            if (command.type === 'Delete') return before;
            // The write model has usually applied them already: fold only when it has not.
            // Stryker disable next-line OptionalChaining: a command that got here committed events
            const version = committed.at(-1)?.streamVersion ?? stream.version;
            const held = streamOf(state, sourceId);
            return held.version === version ? held.source : fold(stream, committed).source;
          },
        };
      };
      return writeWithRetry<CustomerDataSource | null>(
        () => {
          const stream = currentStream(sourceId, command, ctx, latest);
          return stream instanceof Promise ? stream.then(decideOn) : decideOn(stream);
        },
        async (conflict) => {
          // Another writer moved this stream on: its events are all we need.
          // A name held elsewhere or a new stream needs the whole log read on.
          if (conflict.details.reason === 'version') read = await readStream(sourceId, latest());
          else await catchUp();
        },
        note,
      );
    });
  }

  /**
   * Deletes every live source of a tenant in one append; resolves to how
   * many. A purge also appends its `TenantPurged` to the tenant's own stream. It reads to the head of the log first, so sources other instances
   * registered count too, and the append carries a tenant guard: a source
   * registered after that read makes it conflict, read again and retry.
   */
  function clearTenant(
    tenantId: string,
    ctx: ParsedContext,
    reason: TenantDeletion = 'tenant_cleared',
  ): Promise<number> {
    const name = reason === 'tenant_purged' ? 'PurgeTenant' : 'ClearTenant';
    return traceCommand(
      () => commandMessage(name, null, tenantId, ctx.metadata),
      (note) => clearTenantLocked(tenantId, ctx, reason, note),
    );
  }

  async function clearTenantLocked(
    tenantId: string,
    ctx: ParsedContext,
    reason: TenantDeletion,
    note: NoteCommit,
  ): Promise<number> {
    await catchUpToHead(deps.store, catchUp);
    const ids = tenantSourceIds(projections, tenantId);
    // A purge is recorded even with nothing left to delete; a clear of nothing writes nothing.
    if (ids.length === 0 && reason === 'tenant_cleared') return 0;
    // The tenant's own stream is locked too, so two purges here take turns on its version.
    const locked = reason === 'tenant_purged' ? [...ids, tenantStreamId(tenantId)] : ids;
    return deps.locks.run(locked, () =>
      writeWithRetry(
        () => {
          const occurredAt = occurredAtOf(deps.clock);
          // Sources registered since the ids were locked are deleted too: the
          // store's version check keeps that safe without their lock.
          const { plan, deleted } = tenantDeletionPlan(
            state,
            tenantId,
            projections.tenants.get(tenantId)?.ids ?? [],
            reason,
            (stream, streamId) => envelopeOf(stream, streamId, tenantId, ctx, occurredAt),
          );
          return { plan, result: () => deleted };
        },
        // Whatever the read takes in, the guard names the position it reached.
        () => catchUp(),
        note,
      ),
    );
  }

  return { execute, clearTenant, newId: deps.newId };
}

export type CommandWriter = ReturnType<typeof createCommandWriter>;
