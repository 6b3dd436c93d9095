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
