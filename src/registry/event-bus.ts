import { EventEmitter } from 'eventemitter3';
import { z } from 'zod';
import { parseInput } from '../domain/errors.js';
import {
  type DataSourceEvent,
  EVENT_TYPES,
  type EventOfType,
  type EventType,
} from '../domain/events.js';
import type { SnapshotError } from './snapshots.js';

/** What a `listenerError` listener receives when another listener throws or rejects. */
export interface ListenerError {
  error: unknown;
  event: DataSourceEvent;
}

/**
 * The names a listener can subscribe to that are not event types: the bus's
 * own reports. A new one is added here and to {@link RegistryListeners}.
 */
export const BUS_LISTENER_NAMES = [
  'listenerError',
  'followError',
  'subscriptionError',
  'snapshotError',
] as const;

/**
 * What a `followError` listener receives when reading the log in the
 * background failed: the registry's view stays where it was and the read is
 * tried again after `retryInMs`.
 */
export interface FollowError {
  error: unknown;
  /** 1 for the first failure in a row, then 2, 3 … until a read succeeds. */
  attempt: number;
  retryInMs: number;
}

/**
 * What a `subscriptionError` listener receives when a subscription's handler
 * failed on an event, or its store failed.
 */
export interface SubscriptionError {
  /** The subscription's name. */
  name: string;
  error: unknown;
  /** The event the handler failed on (secrets shown as "***"); null when the store failed. */
  event: DataSourceEvent | null;
  /** 1 for the first failure in a row, then 2, 3 … */
  attempt: number;
  /**
   * When it is tried again; null when the subscription gave up: its status
   * is then `failed`, its checkpoint still before the event, until `restart()`.
   */
  retryInMs: number | null;
}

/** The listener signatures, by the name they subscribe to. */
export type RegistryListeners = { [T in EventType]: (event: EventOfType<T>) => unknown } & {
  /** Every committed event, whatever its type. */
  '*': (event: DataSourceEvent) => unknown;
  /** A listener threw or rejected; the command and the other listeners were not affected. */
  listenerError: (failure: ListenerError) => unknown;
  /** Reading what other writers appended failed in the background; it is retried. */
  followError: (failure: FollowError) => unknown;
  /** A subscription's handler or its store failed. */
  subscriptionError: (failure: SubscriptionError) => unknown;
  /** A snapshot taken in the background could not be written; the registry carries on. */
  snapshotError: (failure: SnapshotError) => unknown;
};
export type ListenerName = keyof RegistryListeners;

/** Every name `on` and `off` accept, in the order messages list them. */
export const LISTENER_NAMES: readonly ListenerName[] = [
  '*',
  ...EVENT_TYPES,
  ...BUS_LISTENER_NAMES,
] satisfies readonly ListenerName[];

/** The `code` of the process warning for a listener failure nobody handled. */
export const LISTENER_WARNING_CODE = 'DATASOURCE_REGISTRY_LISTENER';

const isFunction = (value: unknown): value is (...args: never[]) => unknown =>
  typeof value === 'function';

const nameSchema = z.enum(LISTENER_NAMES as [ListenerName, ...ListenerName[]], {
  error: (issue) =>
    `must be an event type, '*' or ${BUS_LISTENER_NAMES.join(', ')}; got ${JSON.stringify(issue.input) ?? String(issue.input)}. Valid names: ${LISTENER_NAMES.join(', ')}`,
});
const listenerSchema = z.custom<(...args: never[]) => unknown>(isFunction, {
  error: 'must be a function',
});
const onSchema = z.object({ name: nameSchema, listener: listenerSchema });
const offSchema = z.object({ name: nameSchema, listener: listenerSchema.optional() });

/**
 * Hands committed events to listeners, typed by event type plus '*'. A failing
 * listener never fails the command or starves the others: its error goes to
 * the `listenerError` listeners, or, when none handles it, to a process
 * warning.
 */
export interface EventBus {
  /**
   * Adds a listener. Listeners run after the events are committed and applied
   * to the queries, in log order, synchronously: by the time a command
   * resolves, its listeners have been called.
   *
   * @throws DataSourceError INVALID_INPUT when the name is not an event type,
   *   '*' or a listener name of the bus (the message lists them), or the
   *   listener is not a function.
   */
  on<K extends ListenerName>(name: K, listener: RegistryListeners[K]): void;
  /**
   * Removes a listener, or every listener of the name when none is given.
   *
   * @throws DataSourceError INVALID_INPUT for an unknown name or a listener
   *   that is not a function.
   */
  off<K extends ListenerName>(name: K, listener?: RegistryListeners[K]): void;
  /** True when someone would receive an event of this type. */
  wants(type: EventType): boolean;
  publish(event: DataSourceEvent): void;
  /**
   * Tells the `followError` listeners; with none, the first failure of a run
   * becomes a process warning, so a registry that stopped following is never silent.
   */
  reportFollowError(failure: FollowError): void;
  /**
   * Tells the `subscriptionError` listeners; with none, the first failure of
   * a run and the one a subscription gives up on become process warnings.
   */
  reportSubscriptionError(failure: SubscriptionError): void;
  /**
   * Tells the `snapshotError` listeners; with none, each failure becomes a
   * process warning (they are rare: one per snapshot due at most).
   */
  reportSnapshotError(failure: SnapshotError): void;
}

type AnyListener = (...args: unknown[]) => unknown;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === 'object' || typeof value === 'function') &&
  value !== null &&
  typeof (value as { then?: unknown }).then === 'function';

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Says on the process that a listener failure went unhandled. Only the
 * error's message and where the event sits: the event itself stays out, and
 * events reach listeners with their secrets masked anyway.
 */
function warn(what: string, error: unknown, event: DataSourceEvent): void {
  process.emitWarning(
    `${what} for ${event.type} at position ${event.position} (source ${event.sourceId}): ${messageOf(error)}`,
    { type: 'DataSourceRegistryWarning', code: LISTENER_WARNING_CODE },
  );
}

/** Calls a listener; a throw or a rejection goes to `failed`, never further up. */
function callSafely(call: () => unknown, failed: (error: unknown) => void): void {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    failed(error);
    return;
  }
  if (isThenable(result)) {
    Promise.resolve(result).then(undefined, failed);
  }
}

export function createEventBus(): EventBus {
  const emitter = new EventEmitter();

  function report(error: unknown, event: DataSourceEvent) {
    const reporters = emitter.listeners('listenerError');
    if (reporters.length === 0) {
      warn('A listener failed', error, event);
      return;
    }
    for (const reporter of reporters) {
      // A failing reporter has nobody left to report to but the process.
      callSafely(
        () => (reporter as RegistryListeners['listenerError'])({ error, event }),
        (failure) => warn('A listenerError listener failed', failure, event),
      );
    }
  }

  function deliver(name: string, event: DataSourceEvent) {
    for (const listener of emitter.listeners(name)) {
      callSafely(
        () => (listener as (e: DataSourceEvent) => unknown)(event),
        (error) => report(error, event),
      );
    }
  }

  return {
    on(name, listener) {
      parseInput(onSchema, { name, listener }, 'listener');
      emitter.on(name, listener as unknown as AnyListener);
    },
    off(name, listener) {
      parseInput(offSchema, { name, listener }, 'listener');
      emitter.off(name, listener as unknown as AnyListener | undefined);
    },
    wants(type) {
      return emitter.listenerCount(type) + emitter.listenerCount('*') > 0;
    },
    publish(event) {
      deliver(event.type, event);
      deliver('*', event);
    },
    reportFollowError(failure) {
      const listeners = emitter.listeners('followError');
      const warnFollow = (what: string, error: unknown) =>
        process.emitWarning(`${what}: ${messageOf(error)}`, {
          type: 'DataSourceRegistryWarning',
          code: 'DATASOURCE_REGISTRY_FOLLOW_ERROR',
        });
      if (listeners.length === 0 && failure.attempt === 1) {
        warnFollow('The registry could not read the log, retrying', failure.error);
      }
      for (const listener of listeners) {
        callSafely(
          () => (listener as RegistryListeners['followError'])(failure),
          (error) => warnFollow('A followError listener failed', error),
        );
      }
    },
    reportSubscriptionError(failure) {
      const listeners = emitter.listeners('subscriptionError');
      const warnSubscription = (what: string, error: unknown) =>
        process.emitWarning(`${what}: ${messageOf(error)}`, {
          type: 'DataSourceRegistryWarning',
          code: 'DATASOURCE_REGISTRY_SUBSCRIPTION',
        });
      if (listeners.length === 0 && (failure.attempt === 1 || failure.retryInMs === null)) {
        const where = failure.event === null ? '' : ` at position ${failure.event.position}`;
        const next = failure.retryInMs === null ? 'it stopped' : 'retrying';
        warnSubscription(`Subscription ${failure.name} failed${where}, ${next}`, failure.error);
      }
      for (const listener of listeners) {
        callSafely(
          () => (listener as RegistryListeners['subscriptionError'])(failure),
          (error) => warnSubscription('A subscriptionError listener failed', error),
        );
      }
    },
    reportSnapshotError(failure) {
      const listeners = emitter.listeners('snapshotError');
      const warnSnapshot = (what: string, error: unknown) =>
        process.emitWarning(`${what}: ${messageOf(error)}`, {
          type: 'DataSourceRegistryWarning',
          code: 'DATASOURCE_REGISTRY_SNAPSHOT',
        });
      if (listeners.length === 0) {
        warnSnapshot(`The snapshot at position ${failure.position} was not written`, failure.error);
      }
      for (const listener of listeners) {
        callSafely(
          () => (listener as RegistryListeners['snapshotError'])(failure),
          (error) => warnSnapshot('A snapshotError listener failed', error),
        );
      }
    },
  };
}
