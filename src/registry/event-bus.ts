import { EventEmitter } from 'eventemitter3';
import type { DataSourceEvent, EventOfType, EventType } from '../domain/events.js';

/** What a `listenerError` listener receives when another listener throws or rejects. */
export interface ListenerError {
  error: unknown;
  event: DataSourceEvent;
}

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

/** The listener signatures, by the name they subscribe to. */
export type RegistryListeners = { [T in EventType]: (event: EventOfType<T>) => unknown } & {
  '*': (event: DataSourceEvent) => unknown;
  listenerError: (failure: ListenerError) => unknown;
  followError: (failure: FollowError) => unknown;
};
export type ListenerName = keyof RegistryListeners;

/**
 * Hands committed events to listeners, typed by event type plus '*'. A failing
 * listener never fails the command or starves the others: its error goes to
 * the `listenerError` listeners instead.
 */
export interface EventBus {
  on<K extends ListenerName>(name: K, listener: RegistryListeners[K]): void;
  off<K extends ListenerName>(name: K, listener?: RegistryListeners[K]): void;
  /** True when someone would receive an event of this type. */
  wants(type: EventType): boolean;
  publish(event: DataSourceEvent): void;
  /**
   * Tells the `followError` listeners; with none, the first failure of a run
   * becomes a process warning, so a registry that stopped following is never silent.
   */
  reportFollowError(failure: FollowError): void;
}

type AnyListener = (...args: unknown[]) => void;

export function createEventBus(): EventBus {
  const emitter = new EventEmitter();

  function report(error: unknown, event: DataSourceEvent) {
    for (const listener of emitter.listeners('listenerError')) {
      try {
        (listener as RegistryListeners['listenerError'])({ error, event });
      } catch {
        // A failing error reporter has nobody left to report to.
      }
    }
  }

  function deliver(name: string, event: DataSourceEvent) {
    for (const listener of emitter.listeners(name)) {
      try {
        const result = (listener as (e: DataSourceEvent) => unknown)(event);
        if (result instanceof Promise) result.catch((error: unknown) => report(error, event));
      } catch (error) {
        report(error, event);
      }
    }
  }

  return {
    on(name, listener) {
      emitter.on(name, listener as unknown as AnyListener);
    },
    off(name, listener) {
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
      if (listeners.length === 0 && failure.attempt === 1) {
        const reason =
          failure.error instanceof Error ? failure.error.message : String(failure.error);
        process.emitWarning(`The registry could not read the log, retrying: ${reason}`, {
          code: 'DATASOURCE_REGISTRY_FOLLOW_ERROR',
        });
      }
      for (const listener of listeners) {
        try {
          const result = (listener as RegistryListeners['followError'])(failure);
          if (result instanceof Promise) result.catch(() => {});
        } catch {
          // A failing error reporter has nobody left to report to.
        }
      }
    },
  };
}
