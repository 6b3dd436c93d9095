import type { EventStore } from '../../src/store/event-store.js';

/**
 * Racers that start together: each awaits `arrive()`, and none goes on until
 * all `parties` have arrived. Unlike a sleep, the interleaving it sets up does
 * not depend on how busy the machine is.
 */
export interface Barrier {
  /** Resolves once every party has arrived. */
  arrive(): Promise<void>;
  /** How many have arrived so far. */
  readonly arrived: number;
}

export function barrier(parties: number): Barrier {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    arrive() {
      arrived += 1;
      if (arrived >= parties) open();
      return opened;
    },
    get arrived() {
      return arrived;
    },
  };
}

/**
 * A gate a test opens by hand: whoever passes it waits until `open()`.
 * `waiting` counts who is held there, so a test can wait until a racer has
 * reached a known point before letting anything else happen.
 */
export interface Gate {
  pass(): Promise<void>;
  open(): void;
  readonly waiting: number;
}

export function gate(): Gate {
  let waiting = 0;
  let isOpen = false;
  let release!: () => void;
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    async pass() {
      if (isOpen) return;
      waiting += 1;
      await opened;
      waiting -= 1;
    },
    open() {
      isOpen = true;
      release();
    },
    get waiting() {
      return waiting;
    },
  };
}

/**
 * A gate that lets one waiter through per `releaseOne()`, until
 * `openForGood()`: for stepping a racer through attempt after attempt.
 */
export interface Turnstile {
  pass(): Promise<void>;
  releaseOne(): void;
  openForGood(): void;
  readonly waiting: number;
  /** How many have come to it, held or not. */
  readonly passes: number;
}

export function turnstile(): Turnstile {
  const waiting: (() => void)[] = [];
  let free = false;
  let passes = 0;
  return {
    pass() {
      passes += 1;
      if (free) return Promise.resolve();
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    releaseOne() {
      waiting.shift()?.();
    },
    openForGood() {
      free = true;
      for (const resolve of waiting.splice(0)) resolve();
    },
    get waiting() {
      return waiting.length;
    },
    get passes() {
      return passes;
    },
  };
}

/**
 * The store with its first append held until `meet` resolves, so racers that
 * each wrap their store this way have all decided before any of them writes:
 * the store, not luck, settles who wins. Later appends go straight through.
 */
export function firstAppendWaitsFor<S extends EventStore>(store: S, meet: () => Promise<void>): S {
  let met: Promise<void> | undefined;
  return {
    ...store,
    kind: store.kind,
    durable: store.durable,
    async append(request) {
      met ??= meet();
      await met;
      return store.append(request);
    },
    readAll: (options) => store.readAll(options),
    readStream: (id) => store.readStream(id),
    head: () => store.head(),
    subscribe: (listener) => store.subscribe(listener),
    close: () => store.close(),
  };
}

/** Where {@link holdStore} makes a caller wait. */
export interface StoreHolds {
  readonly beforeAppend?: () => Promise<void>;
  readonly beforeReadAll?: () => Promise<void>;
  /** After the log was read, before the reader gets it. */
  readonly afterReadAll?: () => Promise<void>;
}

/**
 * The store as one registry sees it, its calls waiting where `holds` says:
 * the same store underneath, so another registry on it sees every write at
 * once while this one is held.
 */
export function holdStore(store: EventStore, holds: StoreHolds): EventStore {
  return {
    kind: store.kind,
    durable: store.durable,
    async append(request) {
      await holds.beforeAppend?.();
      return store.append(request);
    },
    async readAll(options) {
      await holds.beforeReadAll?.();
      const events = await store.readAll(options);
      await holds.afterReadAll?.();
      return events;
    },
    readStream: (id) => store.readStream(id),
    head: () => store.head(),
    subscribe: (listener) => store.subscribe(listener),
    close: () => store.close(),
  };
}
