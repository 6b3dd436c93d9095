import type { AppendListener } from '../event-store.js';

/** One subscription; an object of its own, so the same function subscribed twice counts twice. */
interface Subscription {
  readonly listener: AppendListener;
}

/**
 * Listeners per database file, shared by every store object this process
 * opened on that file: two registries on one file hear each other's appends
 * even though each has its own connection.
 */
const hubs = new Map<string, Set<Subscription>>();

/** Adds a listener for appends to the file named by `key`; returns how to remove it. */
export function listen(key: string, listener: AppendListener): () => void {
  let subscriptions = hubs.get(key);
  if (!subscriptions) {
    subscriptions = new Set();
    hubs.set(key, subscriptions);
  }
  const subscription: Subscription = { listener };
  subscriptions.add(subscription);
  return () => {
    const current = hubs.get(key);
    if (!current) return;
    current.delete(subscription);
    if (current.size === 0) hubs.delete(key);
  };
}

/**
 * Tells every listener of `key` that events up to `head` are committed. Each
 * listener runs in its own microtask, after the append returned, so one that
 * throws keeps neither the appender nor the other listeners from going on.
 */
export function notify(key: string, head: number): void {
  const subscriptions = hubs.get(key);
  if (!subscriptions) return;
  for (const subscription of subscriptions) {
    queueMicrotask(() => {
      // Unsubscribed since the commit: it asked not to hear any more.
      if (hubs.get(key)?.has(subscription)) subscription.listener(head);
    });
  }
}
