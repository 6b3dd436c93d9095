import type { Pool } from 'pg';

/** Sends other processes the heads this one committed, after the commit. */
export interface HeadAnnouncer {
  /** Announces `head` soon; heads sent while one is on its way go as the highest of them. */
  announce(head: number): void;
  /** Resolves once nothing is on its way. */
  drain(): Promise<void>;
}

/**
 * NOTIFY from its own statement after the append's commit, not inside the
 * append: a transaction that notifies holds the database's notification lock
 * through its commit, which would make every append wait for the one before.
 * At most one NOTIFY is on its way at a time, carrying the highest head
 * committed meanwhile, so a burst of appends costs a few statements, not one each.
 */
export function createHeadAnnouncer(
  pool: Pool,
  channel: string,
  onError: (error: unknown) => void,
): HeadAnnouncer {
  let sent = 0;
  let wanted = 0;
  let sending: Promise<void> | undefined;

  async function send(): Promise<void> {
    while (wanted > sent) {
      const head = wanted;
      try {
        await pool.query('SELECT pg_notify($1, $2)', [channel, String(head)]);
      } catch (error) {
        // Listeners' polling still finds the head; a failed notice only delays them.
        onError(error);
      }
      sent = Math.max(sent, head);
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
      while (sending) await sending;
    },
  };
}
