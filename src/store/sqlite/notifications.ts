import type { AppendListener } from '../event-store.js';
import { listen } from './hub.js';

export interface NotificationFeedOptions {
  /** The file's key in the in-process hub, which carries this process's appends at once. */
  readonly hubKey: string;
  /** `PRAGMA data_version` of the store's connection: it changes when another connection commits. */
  readonly dataVersion: () => number;
  /** The head as the log says now. */
  readonly head: () => number;
  /** How often to look for other connections' commits; null when none can exist (an in-memory database). */
  readonly pollIntervalMs: number | null;
  /** Told of every failure the feed recovers from on its own. */
  readonly onError: (error: unknown) => void;
}

/** Tells subscribers when the head moved, whoever appended. */
export interface NotificationFeed {
  subscribe(listener: AppendListener): () => void;
  close(): void;
}

/**
 * Tells a store's subscribers of new heads from two sides: appends of this
 * process, through the hub, as soon as they commit; and commits of other
 * processes (or connections), which SQLite cannot announce, by polling the
 * connection's data version every `pollIntervalMs`. The version check costs
 * no read of the log, so polling often is cheap; the head is read only when it
 * changed. Nothing runs while nobody is subscribed, and the timer never keeps
 * the process alive.
 */
export function createNotificationFeed(options: NotificationFeedOptions): NotificationFeed {
  const listeners = new Set<{ readonly listener: AppendListener }>();
  let told = 0;
  let closed = false;
  let leaveHub: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  // Undefined until read: the next successful poll then reads the head.
  let seenVersion: number | undefined;

  // A throwing error handler must not stop the polling or escape a timer.
  function report(error: unknown): void {
    try {
      options.onError(error);
    } catch (failure) {
      process.emitWarning(
        `The SQLite event store's onError handler failed: ${failure instanceof Error ? failure.message : String(failure)}`,
        { code: 'DATASOURCE_REGISTRY_STORE' },
      );
    }
  }

  // Both sides may report the same commit; each head is told once.
  function publish(head: number): void {
    if (head <= told) return;
    told = head;
    for (const subscription of [...listeners]) {
      // Unsubscribed while an earlier listener ran: it asked not to hear any more.
      if (!listeners.has(subscription)) continue;
      try {
        subscription.listener(head);
      } catch (error) {
        report(error);
      }
    }
  }

  function readVersion(): void {
    try {
      seenVersion = options.dataVersion();
    } catch (error) {
      seenVersion = undefined;
      report(error);
    }
  }

  function poll(): void {
    timer = undefined;
    if (leaveHub === undefined) return;
    try {
      const version = options.dataVersion();
      if (version !== seenVersion) {
        const head = options.head();
        // Only once the head was read: a failed read is retried at the next poll.
        seenVersion = version;
        publish(head);
      }
    } catch (error) {
      report(error);
    }
    schedule();
  }

  function schedule(): void {
    if (options.pollIntervalMs === null) return;
    timer = setTimeout(poll, options.pollIntervalMs);
    timer.unref();
  }

  function start(): void {
    leaveHub = listen(options.hubKey, publish);
    readVersion();
    schedule();
  }

  function stop(): void {
    leaveHub?.();
    leaveHub = undefined;
    clearTimeout(timer);
    timer = undefined;
  }

  return {
    subscribe(listener) {
      if (closed) return () => {};
      const subscription = { listener };
      listeners.add(subscription);
      if (leaveHub === undefined) start();
      return () => {
        listeners.delete(subscription);
        if (listeners.size === 0) stop();
      };
    },
    close() {
      closed = true;
      listeners.clear();
      stop();
    },
  };
}
