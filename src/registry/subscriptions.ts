import { z } from 'zod';
import { tenantIdSchema } from '../domain/commands.js';
import { DataSourceError, ErrorCode, parseInput } from '../domain/errors.js';
import { type DataSourceEvent, EVENT_TYPES, type EventType } from '../domain/events.js';
import { deepFreeze } from '../domain/freeze.js';
import {
  type CheckpointStore,
  runSubscriptionLoop,
  type SubscriptionLoop,
  type SubscriptionStart,
  type SubscriptionStatus,
} from '../follow/subscription.js';
import { redactEvent } from '../security/redact.js';
import type { EventStore } from '../store/event-store.js';
import { checkSubscriptionName } from '../store/subscription-checkpoints.js';
import type { SubscriptionError } from './event-bus.js';
import { toDomainEvent } from './read-events.js';

export type { SubscriptionStart, SubscriptionStatus } from '../follow/subscription.js';

/** What `registry.subscribe` takes. */
export interface SubscribeOptions {
  /**
   * Names the subscription's checkpoint in the store: a subscription opened
   * again under the same name, in this process or another, resumes after
   * the last event it handled. A non-empty string of at most 128 characters.
   */
  name: string;
  /**
   * Called with each event, in log order, one at a time: the next waits
   * until the promise it returns settles. Events come as listeners get them:
   * secrets shown as "***", deeply frozen. A throw or a rejection is retried
   * (see `maxAttempts`). An event may come again after a crash, so a handler
   * should be idempotent (the event id is a natural key to remember).
   */
  handler: (event: DataSourceEvent) => unknown;
  /**
   * Where a name without a checkpoint starts: `'start'` (default, every
   * event of the log), `'end'` (only events appended after it started) or a
   * position (events after it). Ignored once the name has a checkpoint.
   */
  from?: SubscriptionStart | undefined;
  /** Only events of these types, of this tenant; the others are passed by, their positions checkpointed. */
  filter?: { types?: readonly EventType[] | undefined; tenantId?: string | undefined } | undefined;
  /** How many times the handler is called for one event before the subscription fails (default 5). */
  maxAttempts?: number | undefined;
  /** The pause, in milliseconds, before the second attempt; it doubles with each further one, up to 30 s (default 100). */
  retryDelayMs?: number | undefined;
}

/** A running subscription, as `registry.subscribe` returns it. */
export interface Subscription {
  readonly name: string;
  /**
   * `starting` (reading its checkpoint), `catching-up` (reading the log to
   * its head), `live` (at the head, following appends), `stopped`, or
   * `failed` (the handler failed on an event `maxAttempts` times, or an
   * event could not be read: see `error`).
   */
  readonly status: SubscriptionStatus;
  /** The position of the last event handled or passed by; null until its checkpoint is read. */
  readonly position: number | null;
  /** Why it failed; null unless `status` is `failed`. */
  readonly error: unknown;
  /**
   * Ends the subscription once the handler in flight, if any, has settled
   * and its checkpoint is stored. Resolves when it has ended; the name is
   * then free for a new subscription.
   */
  stop(): Promise<void>;
  /**
   * Runs a failed or stopped subscription again from its checkpoint: first
   * the event it failed on. Nothing when it runs.
   *
   * @throws DataSourceError FORBIDDEN after the registry's `close()`;
   *   INVALID_INPUT when another subscription of the name runs in this registry.
   */
  restart(): void;
}

const subscribeSchema = z.strictObject({
  name: z.string(),
  handler: z.custom<(event: DataSourceEvent) => unknown>((value) => typeof value === 'function', {
    error: 'must be a function',
  }),
  from: z.union([z.literal('start'), z.literal('end'), z.number().int().min(0)]).default('start'),
  filter: z
    .strictObject({
      types: z
        .array(z.enum(EVENT_TYPES as [EventType, ...EventType[]]))
        .min(1)
        .optional(),
      tenantId: tenantIdSchema.optional(),
    })
    .optional(),
  maxAttempts: z.number().int().min(1).default(5),
  retryDelayMs: z.number().min(0).max(30_000).default(100),
});

function hasCheckpoints(store: EventStore): store is CheckpointStore {
  return store.readCheckpoint !== undefined && store.storeCheckpoint !== undefined;
}

/** The subscriptions of one registry. */
export interface Subscriptions {
  /**
   * Starts one.
   *
   * @throws DataSourceError INVALID_INPUT for bad options or a name already
   *   running here; FORBIDDEN when the store keeps no checkpoints.
   */
  start(options: SubscribeOptions): Subscription;
  /** Stops them all, each after its handler in flight: what `close()` waits for. */
  stopAll(): Promise<void>;
  /**
   * Stops the running ones, runs `clear` (which empties a memory log, their
   * checkpoints with it), and starts them again from the first event of the
   * new log: positions count from 1 again, so a subscription that kept its
   * place would pass over the new log's first events.
   */
  rewind(clear: () => void): Promise<void>;
}

/**
 * Runs a registry's subscriptions on its store (as the registry sees it:
 * secrets opened, or withheld for a read-only one) and reports their
 * failures to `report`.
 */
export function createSubscriptions(
  store: EventStore,
  report: (failure: SubscriptionError) => void,
  assertOpen: () => void,
): Subscriptions {
  const running = new Map<string, SubscriptionLoop>();

  function claim(name: string, loop: () => SubscriptionLoop): SubscriptionLoop {
    const current = running.get(name);
    if (current !== undefined && current.status !== 'stopped' && current.status !== 'failed') {
      throw new DataSourceError(`A subscription named ${name} already runs in this registry`, {
        code: ErrorCode.INVALID_INPUT,
        details: { issues: [{ path: 'name', message: 'already running' }] },
      });
    }
    const started = loop();
    running.set(name, started);
    return started;
  }

  return {
    start(input) {
      const options = parseInput(subscribeSchema, input, 'subscription');
      const name = checkSubscriptionName(options.name);
      if (!hasCheckpoints(store)) {
        throw new DataSourceError(
          `The ${store.kind} store keeps no subscription checkpoints: it cannot run subscriptions`,
          { code: ErrorCode.FORBIDDEN },
        );
      }
      const types = options.filter?.types === undefined ? null : new Set(options.filter.types);
      const tenantId = options.filter?.tenantId;
      const makeLoop = () =>
        runSubscriptionLoop<DataSourceEvent>({
          store,
          name,
          from: options.from,
          select(stored) {
            if (tenantId !== undefined && stored.tenantId !== tenantId) return null;
            const event = toDomainEvent(stored);
            if (types !== null && !types.has(event.type)) return null;
            return deepFreeze(redactEvent(event));
          },
          handle: options.handler,
          maxAttempts: options.maxAttempts,
          retryDelayMs: options.retryDelayMs,
          onFailure: (failure) => report({ name, ...failure }),
        });
      let loop = claim(name, makeLoop);
      return {
        name,
        get status() {
          return loop.status;
        },
        get position() {
          return loop.position;
        },
        get error() {
          return loop.error;
        },
        stop: () => loop.stop(),
        restart() {
          assertOpen();
          if (loop.status !== 'stopped' && loop.status !== 'failed') return;
          if (running.get(name) === loop) {
            loop.restart();
            return;
          }
          // Another subscription took the name meanwhile: this one starts anew, if the name is free.
          loop = claim(name, makeLoop);
        },
      };
    },
    async stopAll() {
      await Promise.all([...running.values()].map((loop) => loop.stop()));
    },
    async rewind(clear) {
      const active = [...running.values()].filter(
        (loop) => loop.status !== 'stopped' && loop.status !== 'failed',
      );
      await Promise.all(active.map((loop) => loop.stop()));
      clear();
      if (hasCheckpoints(store)) {
        for (const name of running.keys()) await store.storeCheckpoint(name, 0);
      }
      for (const loop of active) loop.restart();
    },
  };
}
