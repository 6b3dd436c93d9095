import { DataSourceError, ErrorCode } from '../domain/errors.js';
import type { EventStore, StoredEvent } from '../store/event-store.js';

/** Small pages: each event waits for its handler, so a page is held for as long as they take. */
const PAGE = 1_000;
/** The pause before reading again when the store announced events not yet readable. */
const NOT_VISIBLE_YET_MS = 5;
/** The first pause after a failed store call; it doubles with each failure in a row, up to the last. */
const FIRST_STORE_RETRY_MS = 50;
const MAX_RETRY_MS = 30_000;

/**
 * Where a subscription is: reading what the log held when it started
 * (`catching-up`), at the head and following appends (`live`), ended by
 * `stop()` (`stopped`), or given up on an event it could not handle (`failed`).
 */
export type SubscriptionStatus = 'starting' | 'catching-up' | 'live' | 'stopped' | 'failed';

/** Where a subscription without a checkpoint starts: before the first event, at the head, or after a position. */
export type SubscriptionStart = 'start' | 'end' | number;

/** A failure the loop met, and what it does next. */
export interface LoopFailure<E> {
  error: unknown;
  /** The event the handler failed on; null when the store failed. */
  event: E | null;
  /** 1 for the first failure in a row, then 2, 3 … */
  attempt: number;
  /** When it is tried again; null when the subscription gave up (status `failed`). */
  retryInMs: number | null;
}

/** A store that keeps checkpoints. */
export type CheckpointStore = EventStore &
  Required<Pick<EventStore, 'readCheckpoint' | 'storeCheckpoint'>>;

export interface SubscriptionLoopOptions<E> {
  store: CheckpointStore;
  name: string;
  from: SubscriptionStart;
  /**
   * What the handler gets for a stored event, or null to pass it by (its
   * position is checkpointed all the same). A throw fails the subscription:
   * an event that cannot be read is never skipped.
   */
  select(stored: StoredEvent): E | null;
  handle(event: E): unknown;
  /** How many times the handler is called for one event before the subscription fails. */
  maxAttempts: number;
  /** The pause before the second attempt; it doubles with each further one, up to 30 s. */
  retryDelayMs: number;
  /** Told of every failure: each of the handler's, and each failed store call (retried without end). */
  onFailure(failure: LoopFailure<E>): void;
}

/** A running subscription as its owner drives it. */
export interface SubscriptionLoop {
  readonly status: SubscriptionStatus;
  /** The position of the last event handled (or passed by); null until the checkpoint is read. */
  readonly position: number | null;
  /** Why it failed; null unless status is `failed`. */
  readonly error: unknown;
  /** Ends it after the handler in flight, if any, and its checkpoint; resolves once it has ended. */
  stop(): Promise<void>;
  /** Runs it again from its checkpoint after it failed or stopped; nothing when it runs. */
  restart(): void;
}

const isStoreFailure = (error: unknown) =>
  error instanceof DataSourceError && error.code === ErrorCode.STORE_ERROR;

/**
 * Hands every event of the log after a checkpoint to a handler, one at a
 * time in log order, and stores the checkpoint after each event handled:
 * a process that dies between the two hands the event over again when it
 * resumes (at least once, never a gap). At the head it waits for the
 * store's notices of appends. A handler that fails is called again after a
 * growing pause, up to `maxAttempts` times, then the loop stops with status
 * `failed` and the event stays unhandled; a failed store call is retried
 * until it works. Its timers are unref'd: it never keeps a process alive.
 */
export function runSubscriptionLoop<E>(options: SubscriptionLoopOptions<E>): SubscriptionLoop {
  const { store, name, select, handle, onFailure } = options;
  let status: SubscriptionStatus = 'starting';
  let position: number | null = null;
  let checkpointed: number | null = null;
  let failure: unknown = null;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let notified = 0;
  /** True when the position must be read from the store first: at the start and after a restart. */
  let reload = true;
  let wakeOnAppend: (() => void) | null = null;
  let cutPause: (() => void) | null = null;

  /** Resolves after `ms`, or at once when stopped. */
  function pause(ms: number): Promise<void> {
    if (stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        cutPause = null;
        resolve();
      }, ms);
      timer.unref();
      cutPause = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Resolves once the store announced an event past the position, or when stopped. */
  function appended(): Promise<void> {
    if (stopped || notified > (position ?? 0)) return Promise.resolve();
    return new Promise((resolve) => {
      wakeOnAppend = resolve;
    });
  }

  function wakeUp(): void {
    const resume = [wakeOnAppend, cutPause];
    wakeOnAppend = null;
    cutPause = null;
    for (const call of resume) call?.();
  }

  async function firstPosition(): Promise<number> {
    const stored = await store.readCheckpoint(name);
    if (stored !== null) return stored;
    const from = options.from;
    const start = from === 'start' ? 0 : from === 'end' ? await store.head() : from;
    // Stored at once: a restart before the first event must not take 'end' again and miss what came between.
    await store.storeCheckpoint(name, start);
    return start;
  }

  /** Calls the handler until it succeeds (true) or its attempts run out (false); false too when stopped. */
  async function deliver(event: E): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await handle(event);
        return true;
      } catch (error) {
        const last = attempt >= options.maxAttempts;
        const retryInMs = last
          ? null
          : Math.min(MAX_RETRY_MS, options.retryDelayMs * 2 ** (attempt - 1));
        onFailure({ error, event, attempt, retryInMs });
        if (retryInMs === null) {
          failure = error;
          status = 'failed';
          return false;
        }
        await pause(retryInMs);
        if (stopped) return false;
      }
    }
  }

  async function checkpoint(): Promise<void> {
    if (position === null || position === checkpointed) return;
    const target = position;
    await store.storeCheckpoint(name, target);
    checkpointed = target;
  }

  /** Reads one page after the position and hands it over; false once the loop must end. */
  async function handlePage(): Promise<boolean> {
    if (reload || position === null) {
      position = await firstPosition();
      checkpointed = position;
      reload = false;
      status = 'catching-up';
    }
    await checkpoint();
    const page = await store.readAll({ after: position, limit: PAGE });
    if (page.length === 0) {
      if (status !== 'live') status = 'live';
      // Announced but not readable yet (an older PostgreSQL transaction still open): look again soon.
      if (notified > position) await pause(NOT_VISIBLE_YET_MS);
      else await appended();
      return !stopped;
    }
    for (const stored of page) {
      if (stopped) return false;
      let event: E | null;
      try {
        event = select(stored);
      } catch (error) {
        failure = error;
        status = 'failed';
        onFailure({ error, event: null, attempt: 1, retryInMs: null });
        return false;
      }
      if (event !== null && !(await deliver(event))) return false;
      position = stored.position;
      await checkpoint();
    }
    return true;
  }

  async function run(): Promise<void> {
    failure = null;
    status = 'starting';
    let storeFailures = 0;
    const unsubscribe = store.subscribe((head) => {
      notified = Math.max(notified, head);
      if (wakeOnAppend !== null && notified > (position ?? 0)) {
        const resume = wakeOnAppend;
        wakeOnAppend = null;
        resume();
      }
    });
    try {
      for (;;) {
        try {
          if (stopped || !(await handlePage())) break;
          storeFailures = 0;
        } catch (error) {
          if (stopped) break;
          if (!isStoreFailure(error)) {
            failure = error;
            status = 'failed';
            onFailure({ error, event: null, attempt: 1, retryInMs: null });
            break;
          }
          storeFailures += 1;
          const retryInMs = Math.min(MAX_RETRY_MS, FIRST_STORE_RETRY_MS * 2 ** (storeFailures - 1));
          onFailure({ error, event: null, attempt: storeFailures, retryInMs });
          await pause(retryInMs);
        }
      }
    } finally {
      unsubscribe();
    }
    if (status !== 'failed') status = 'stopped';
  }

  function start() {
    stopped = false;
    running = run().catch((error: unknown) => {
      // What is left: subscribing to a store that was closed under the loop.
      failure = error;
      status = 'failed';
      onFailure({ error, event: null, attempt: 1, retryInMs: null });
    });
  }

  start();
  return {
    get status() {
      return status;
    },
    get position() {
      return position;
    },
    get error() {
      return failure;
    },
    async stop() {
      stopped = true;
      wakeUp();
      await running;
    },
    restart() {
      if (status !== 'failed' && status !== 'stopped') return;
      // Read again: another process with the same name may have moved it on.
      reload = true;
      start();
    },
  };
}
