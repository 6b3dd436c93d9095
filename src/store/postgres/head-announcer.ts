import type { Pool } from 'pg';
import { prepared } from './prepared.js';

const NOTIFY = prepared('SELECT pg_notify($1, $2)');
/**
 * The least time between two notices of one store: a busy writer's commits
 * of that while go out in one. Each NOTIFY is a round trip of its own, and
 * each wakes every listening registry to read the log; with eight writers
 * a notice per commit cost as much as the commits' reads.
 */
const ANNOUNCE_GAP_MS = 25;

/** Sends other processes the heads this one committed, after the commit. */
export interface HeadAnnouncer {
  /** Announces `head` soon; heads sent while one is on its way go as the highest of them. */
  announce(head: number): void;
  /** Sends what is left without waiting out the gap; resolves once nothing is on its way. */
  drain(): Promise<void>;
}

/**
 * NOTIFY from its own statement after the append's commit, not inside the
 * append: a transaction that notifies holds the database's notification lock
 * through its commit, which would make every append wait for the one before.
 * At most one NOTIFY is on its way at a time, and the next waits out the
 * gap, carrying the highest head committed meanwhile, so a burst of appends
 * costs a few statements, not one each.
 */
export function createHeadAnnouncer(
  pool: Pool,
  channel: string,
  onError: (error: unknown) => void,
): HeadAnnouncer {
  let sent = 0;
  let wanted = 0;
  let sending: Promise<void> | undefined;
  let hurry = false;
  let wake: (() => void) | undefined;

  // Unref'd: a notice still waiting out its gap must not keep a process alive.
  function gap(): Promise<void> {
    if (hurry) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ANNOUNCE_GAP_MS);
      timer.unref();
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function send(): Promise<void> {
    while (wanted > sent) {
      const head = wanted;
      try {
        await pool.query({ ...NOTIFY, values: [channel, String(head)] });
      } catch (error) {
        // Listeners' polling still finds the head; a failed notice only delays them.
        onError(error);
      }
      sent = Math.max(sent, head);
      await gap();
    }
  }

  return {
    announce(head) {
      wanted = Math.max(wanted, head);
      sending ??= send().finally(() => {
        sending = undefined;
      });
    },
    async drain() {
      hurry = true;
      wake?.();
      while (sending) await sending;
    },
  };
}
