import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { type ChainLink, createChainCheck, GENESIS_LINK } from './chain.js';
import type { EventStore, StoredEvent } from './event-store.js';

/**
 * The store with its reads of the whole log checked against the hash chain,
 * as a registry folds them: each read that continues the last one checked
 * (no tenant filter, `after` the last position checked) must chain on from
 * it, or the read fails with CORRUPT_LOG at the first broken event, before
 * anything of it is applied. The check starts after `start`: the genesis of
 * the log, or a position and hash known good (a snapshot's).
 *
 * The caller's own appends continue the check when they follow right on
 * (see `appended`). What it cannot check it lets through unchecked: reads
 * that start elsewhere (a fold up to a past position, a subscription from
 * its checkpoint, one tenant's events) and, from the first event not sealed
 * yet (PostgreSQL seals after commit) or the first append that does not
 * follow right on, everything after it, since the registry then folds
 * positions it never saw chained. `verifyLog` walks the whole log.
 */
export interface ChainCheckedStore {
  readonly store: EventStore;
  /**
   * Goes on checking from a link known good (a snapshot's position and the
   * hash there) instead of from what was read so far, at most that far.
   */
  resumeFrom(link: ChainLink): void;
}

/**
 * The store with the check above; the check starts at the genesis of the
 * log unless told to resume after a snapshot's link.
 */
export function checkChainOnRead(store: EventStore): ChainCheckedStore {
  /** The last event checked: each read is checked on from here. */
  let link: ChainLink = GENESIS_LINK;
  let checking = true;

  function checked(events: StoredEvent[]): StoredEvent[] {
    const unsealed = events.findIndex((event) => event.hash === undefined);
    const sealed = unsealed === -1 ? events : events.slice(0, unsealed);
    // A check of its own per read: one that fails moves nothing, so reading
    // the same events again names the same break, not the first event of them.
    const check = createChainCheck(link);
    const broken = check.accept(sealed);
    if (broken !== null) {
      const event = sealed.find((e) => e.position === broken.position);
      throw new DataSourceError(
        `The log's hash chain is broken at position ${broken.position}: ${broken.reason}`,
        {
          code: ErrorCode.CORRUPT_LOG,
          sourceId: event?.sourceId ?? null,
          details: { position: broken.position, reason: broken.reason, eventId: event?.eventId },
        },
      );
    }
    if (unsealed !== -1) checking = false;
    link = check.head;
    return events;
  }

  /**
   * An append's own events continue the checked chain when they come right
   * after it (dense positions: memory, SQLite) and carry their hashes; then
   * the reads after them stay checked, from the last one's hash. Otherwise
   * (another writer's events between, or not sealed yet) checking stops
   * there. They are not hashed again: the store has just hashed them on from
   * the last event checked, and a second hash would check its arithmetic,
   * not the log (which `verifyLog` walks).
   */
  function appended(events: readonly StoredEvent[]): void {
    const first = events[0];
    const last = events.at(-1);
    if (!checking || first === undefined || last === undefined) return;
    const dense = last.position - first.position + 1 === events.length;
    if (first.position !== link.position + 1 || !dense || last.hash === undefined) {
      checking = false;
      return;
    }
    link = { position: last.position, hash: last.hash };
  }

  const checkedStore: EventStore = {
    ...store,
    async append(request) {
      const events = await store.append(request);
      appended(events);
      return events;
    },
    ...(store.appendBatch === undefined
      ? {}
      : {
          async appendBatch(requests: Parameters<NonNullable<EventStore['appendBatch']>>[0]) {
            const outcomes = await (store.appendBatch as NonNullable<EventStore['appendBatch']>)(
              requests,
            );
            appended(outcomes.flatMap((outcome) => (outcome.ok ? outcome.events : [])));
            return outcomes;
          },
        }),
    async readAll(options = {}) {
      const events = await store.readAll(options);
      const continues = options.tenantId === undefined && (options.after ?? 0) === link.position;
      return checking && continues ? checked(events) : events;
    },
  };
  return {
    store: checkedStore,
    resumeFrom(resumed) {
      // Reads before it may have checked a prefix (the snapshot's own event, at 1).
      if (link.position > resumed.position) throw new Error('the chain was checked past the link');
      link = resumed;
    },
  };
}
