import type { DataSourceCommand } from '../domain/commands.js';
import type { CustomerDataSource } from '../domain/data-source.js';
import { decide } from '../domain/decide.js';
import { DataSourceError, ErrorCode } from '../domain/errors.js';
import type { DataSourceEvent } from '../domain/events.js';
import type { SourceStream } from '../domain/stream.js';
import {
  getSource,
  getSourceByName,
  type RegistryView,
  streamOf,
} from '../projections/registry-view.js';
import type { EventStore } from '../store/event-store.js';
import type { CatchUp } from './catch-up.js';
import { envelope, occurredAtOf, type ParsedContext } from './command-events.js';
import type { KeyedLock } from './keyed-lock.js';
import { duplicateName, nameChange } from './name-claims.js';
import { type AppendPlan, isConflict, writeError } from './write-plan.js';

/** What the writer needs from the registry it writes for. */
export interface CommandWriterDeps {
  store: EventStore;
  view: RegistryView;
  locks: KeyedLock;
  catchUp: CatchUp;
  /** Applies committed events to the projections and publishes them. */
  apply: (events: readonly DataSourceEvent[]) => void;
  clock: () => Date;
  newId: () => string;
  /** How many times a command that lost a race catches up and tries again. */
  retries: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Step<T> = { done: T } | { plan: AppendPlan; result: () => T };

/**
 * The write side of the registry: decide on the current state, append with
 * expected versions and name claims, apply what was committed. A conflict
 * means another writer got there first: catch up on what it wrote and decide
 * again.
 */
export function createCommandWriter(deps: CommandWriterDeps) {
  const { view, catchUp } = deps;

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
    };
  }

  /** Our own committed events go straight in, after any earlier ones not seen yet. */
  async function commit(events: readonly DataSourceEvent[]) {
    const first = events[0];
    const last = events[events.length - 1];
    if (!first || !last) return;
    if (first.position === view.position + 1) deps.apply(events);
    else await catchUp(last.position);
  }

  async function writeWithRetry<T>(attempt: () => Promise<Step<T>> | Step<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      const step = await attempt();
      if ('done' in step) return step.done;
      if (step.plan.events.length === 0) return step.result();
      try {
        const stored = await deps.store.append(step.plan);
        // Data and metadata were frozen when the events were made; only the envelope is new.
        await commit(
          step.plan.events.map((event, i) =>
            Object.freeze({ ...event, position: stored[i]?.position ?? 0 }),
          ),
        );
      } catch (error) {
        if (isConflict(error) && tries < deps.retries) {
          // Writers racing on one stream would collide again in lockstep: a
          // random, growing pause lets one through, then the others follow.
          await sleep(Math.random() * Math.min(100, 2 ** tries));
          await catchUp();
          continue;
        }
        throw writeError(error);
      }
      return step.result();
    }
  }

  /** The stream as the command should see it, caught up where this registry may be behind. */
  async function currentStream(
    sourceId: string,
    command: DataSourceCommand,
    ctx: ParsedContext,
  ): Promise<SourceStream> {
    let stream = streamOf(view, sourceId);
    // Another instance may have registered it, or moved it on, since this one last read the log.
    const unknown = stream.version === 0 && command.type !== 'Register';
    const stale = ctx.expectedVersion !== undefined && stream.version !== ctx.expectedVersion;
    if (unknown || stale) {
      await catchUp();
      stream = streamOf(view, sourceId);
    }
    if (ctx.expectedVersion !== undefined && stream.version !== ctx.expectedVersion) {
      throw new DataSourceError(
        `Data source ${sourceId} is at version ${stream.version}, not ${ctx.expectedVersion}`,
        {
          code: ErrorCode.CONCURRENCY_CONFLICT,
          sourceId,
          details: { expected: ctx.expectedVersion, actual: stream.version },
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
    return deps.locks.run([sourceId], () =>
      writeWithRetry<CustomerDataSource | null>(async () => {
        const stream = await currentStream(sourceId, command, ctx);
        if (command.type !== 'Register' && stream.source === null) return { done: null };
        const drafts = decide(command, stream);
        const before = stream.source;
        if (drafts.length === 0) return { done: before };
        const tenantId = before?.tenantId ?? (command.type === 'Register' ? command.tenantId : '');
        const names = nameChange(sourceId, tenantId, before, drafts);
        if (names.taken !== null) {
          const holder = getSourceByName(view, tenantId, names.taken);
          if (holder && holder.sourceId !== sourceId) {
            throw duplicateName(tenantId, names.taken, holder.sourceId);
          }
        }
        const plan: AppendPlan = {
          events: envelope(drafts, envelopeOf(stream, sourceId, tenantId, ctx)),
          expectedVersions: { [sourceId]: stream.version },
          claims: names.claims,
          releases: names.releases,
        };
        return {
          plan,
          result: () => (command.type === 'Delete' ? before : getSource(view, sourceId)),
        };
      }),
    );
  }

  /** Deletes every live source of a tenant in one append; resolves to how many. */
  function clearTenant(tenantId: string, ctx: ParsedContext): Promise<number> {
    const ids = [...(view.tenants.get(tenantId)?.ids ?? [])];
    if (ids.length === 0) return Promise.resolve(0);
    return deps.locks.run(ids, () =>
      writeWithRetry(() => {
        const plan: AppendPlan = { events: [], expectedVersions: {}, claims: [], releases: [] };
        const occurredAt = occurredAtOf(deps.clock);
        // Sources registered since the ids were locked are cleared too: the
        // store's version check keeps that safe without their lock.
        for (const sourceId of view.tenants.get(tenantId)?.ids ?? []) {
          const stream = streamOf(view, sourceId);
          if (stream.source === null) continue;
          const drafts = decide({ type: 'Delete', reason: 'tenant_cleared' }, stream);
          const at = envelopeOf(stream, sourceId, tenantId, ctx, occurredAt);
          plan.events.push(...envelope(drafts, at));
          plan.expectedVersions[sourceId] = stream.version;
          plan.releases.push(...nameChange(sourceId, tenantId, stream.source, drafts).releases);
        }
        return { plan, result: () => plan.events.length };
      }),
    );
  }

  return { execute, clearTenant, newId: deps.newId };
}

export type CommandWriter = ReturnType<typeof createCommandWriter>;
