import type { Client } from 'pg';
import type { AppendListener } from '../event-store.js';
import { quoteIdentifier } from './names.js';

export interface NotificationFeedOptions {
  /** The channel appends NOTIFY with the new head as payload. */
  readonly channel: string;
  /** A new, unconnected client for the LISTEN connection; the feed connects and ends it. */
  readonly createClient: () => Client;
  /** The head as the log says now: what the polling fallback compares. */
  readonly head: () => Promise<number>;
  readonly pollIntervalMs: number;
  /** Told of every failure the feed recovers from on its own. */
  readonly onError: (error: unknown) => void;
}

/** Tells subscribers when the head moved, whoever appended. */
export interface NotificationFeed {
  subscribe(listener: AppendListener): () => void;
  /** Tells subscribers of a head this process saw committed, without waiting for NOTIFY. */
  publish(head: number): void;
  close(): Promise<void>;
}

/** `Client.unref` exists in pg 8 but not in its type declarations. */
function unref(client: Client): void {
  (client as Client & { unref?: () => void }).unref?.();
}

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5_000;

/**
 * LISTEN on one dedicated connection, reconnected with backoff when it drops,
 * plus a poll of the head every `pollIntervalMs`, so a lost notification or a
 * dead connection delays subscribers but never leaves them behind for good.
 * Nothing runs while nobody is subscribed.
 */
export function createNotificationFeed(options: NotificationFeedOptions): NotificationFeed {
  const listeners = new Set<AppendListener>();
  let told = 0;
  let running = false;
  let closed = false;
  // Bumped by every start and stop, so work begun for an earlier run ends itself.
  let run = 0;
  let connection: Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  function publish(head: number): void {
    if (!Number.isFinite(head) || head <= told) return;
    told = head;
    for (const listener of [...listeners]) {
      try {
        listener(head);
      } catch (error) {
        options.onError(error);
      }
    }
  }

  async function poll(): Promise<void> {
    try {
      publish(await options.head());
    } catch (error) {
      // A poll still running when the store closed fails for that reason alone.
      if (running) options.onError(error);
    }
  }

  function schedulePoll(current: number): void {
    pollTimer = setTimeout(async () => {
      await poll();
      if (current === run) schedulePoll(current);
    }, options.pollIntervalMs);
    pollTimer.unref();
  }

  function scheduleListen(current: number): void {
    if (current !== run || retryTimer) return;
    const backoff = Math.min(LAST_RETRY_MS, FIRST_RETRY_MS * 2 ** failures);
    failures += 1;
    retryTimer = setTimeout(
      () => {
        retryTimer = undefined;
        listen(current);
      },
      backoff * (0.5 + Math.random() / 2),
    );
    retryTimer.unref();
  }

  function listen(current: number): void {
    if (current !== run) return;
    const client = options.createClient();
    // The LISTEN connection only waits: it must not keep the process alive.
    // Unref'd again once connected, in case TLS replaced the socket.
    unref(client);
    let dropped = false;
    const drop = (error?: unknown, ended = false) => {
      if (dropped) return;
      dropped = true;
      if (error !== undefined && current === run) options.onError(error);
      if (connection === client) connection = undefined;
      if (!ended) client.end().catch(() => {});
      scheduleListen(current);
    };
    // Attached before connecting and never removed: an 'error' nobody hears would end the process.
    client.on('error', (error) => drop(error));
    client.on('end', () => drop(undefined, true));
    client.on('notification', (message) => {
      if (message.channel !== options.channel) return;
      const head = Number(message.payload);
      if (Number.isFinite(head)) publish(head);
      else void poll();
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${quoteIdentifier(options.channel)}`))
      .then(() => {
        if (dropped) return;
        if (current !== run) {
          drop();
          return;
        }
        connection = client;
        unref(client);
        failures = 0;
        // Whatever was committed while nobody listened.
        void poll();
      })
      .catch((error: unknown) => drop(error));
  }

  function start(): void {
    running = true;
    run += 1;
    listen(run);
    schedulePoll(run);
  }

  async function stop(): Promise<void> {
    running = false;
    run += 1;
    clearTimeout(retryTimer);
    clearTimeout(pollTimer);
    retryTimer = undefined;
    pollTimer = undefined;
    const client = connection;
    connection = undefined;
    await client?.end().catch(() => {});
  }

  return {
    subscribe(listener) {
      if (closed) return () => {};
      listeners.add(listener);
      if (!running) start();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && running) void stop();
      };
    },
    publish,
    async close() {
      closed = true;
      listeners.clear();
      await stop();
    },
  };
}
