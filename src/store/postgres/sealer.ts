import type { Pool } from 'pg';
import type { SchemaNames } from './names.js';
import { SEAL_PAGE, sealOnce } from './seal.js';

/** How long a sealer keeps trying to reach a position (hidden by an older transaction, or another sealer at work). */
const SEAL_PATIENCE_MS = 5_000;

/**
 * How long a store waits after a commit, and after each seal, before it
 * seals: the commits of that while share one seal, so a busy writer pays a
 * seal per batch of commits, not per commit. Without the wait after a
 * seal, a busy writer sealed again at once, each seal taking only the one
 * or two commits made during the one before: with a single writer, four
 * statements every second command.
 */
const SEAL_DELAY_MS = 25;

/**
 * How long a store that found another sealer at work waits before it looks
 * again. That sealer will most likely seal this store's events too, and with
 * eight writers a look every 25 ms was a third of a statement per command:
 * a tenth of the server's CPU per command, measured.
 */
const BUSY_RETRY_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seals the log after this store's commits, a page at a time. */
export interface Sealer {
  /** Seals soon, in the background, at least up to `position` once it is visible. */
  request(position: number): void;
  /** Seals everything visible now; waits for another sealer at work. */
  sealAll(): Promise<void>;
  /** Resolves once no sealing of this store is running. */
  drain(): Promise<void>;
}

/**
 * The sealing side of the chain on PostgreSQL. Appends commit side by side
 * and cannot know the hash of the event before theirs, so events are written
 * unsealed and sealed after commit, in position order, by whichever store
 * gets the seal lock: held for one page, never by an append.
 * A store that committed keeps trying until the chain reaches its events
 * (they may be hidden for a moment by an older transaction still running, or
 * another store may be sealing), then stops; a store that gives up or dies
 * leaves them to the next seal, by any store.
 */
export function createSealer(
  pool: Pool,
  names: SchemaNames,
  ready: () => Promise<void>,
  onError: (error: unknown) => void,
): Sealer {
  let target = 0;
  /** A request came since the loop last looked at the target. */
  let pending = false;
  let running: Promise<void> | undefined;

  async function sealTo(goal: number, patienceMs: number): Promise<void> {
    const started = Date.now();
    let head = 0;
    for (;;) {
      const { sealed, busy, head: reached } = await sealOnce(pool, names);
      if (!busy) head = reached;
      const more = busy || sealed === SEAL_PAGE || head < goal;
      if (!more || Date.now() - started > patienceMs) return;
      // Background work: a sealer at work will likely seal these events too,
      // and each look costs a round trip (with eight writers, most of them).
      if (sealed === 0) await sleep(busy ? BUSY_RETRY_MS : 5);
    }
  }

  async function loop(): Promise<void> {
    try {
      await ready();
      while (pending) {
        await sleep(SEAL_DELAY_MS);
        pending = false;
        // Commits that come while this seal runs wait for the next round.
        await sealTo(target, SEAL_PATIENCE_MS);
      }
    } catch (error) {
      onError(error);
    }
  }

  return {
    request(position) {
      target = Math.max(target, position);
      pending = true;
      running ??= loop().finally(() => {
        running = undefined;
      });
    },
    async sealAll() {
      await ready();
      await sealTo(0, SEAL_PATIENCE_MS * 6);
    },
    async drain() {
      while (running) await running;
    },
  };
}
