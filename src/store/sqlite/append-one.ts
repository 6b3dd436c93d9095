import { deepFreeze } from '../../domain/freeze.js';
import {
  claimConflict,
  dataKeyConflict,
  tenantConflict,
  versionConflict,
} from '../append-checks.js';
import { eventHash, GENESIS_HASH } from '../chain.js';
import type { AppendRequest, StoredEvent } from '../event-store.js';
import type { SqliteDataKeys } from './data-keys.js';
import { eventParams, type Statements } from './statements.js';

const claimId = (scope: string, key: string) => `${scope}\u0000${key}`;

/** The position the next event takes and the hash it chains to. */
interface Link {
  readonly next: number;
  readonly hash: string;
}

/** Appends one command inside the caller's IMMEDIATE transaction; throws to have it rolled back. */
export type AppendOne = (request: AppendRequest) => StoredEvent[];

/**
 * The append of one command, for a connection that holds the write lock when
 * it runs. It keeps the last link of the hash chain it wrote: while no other
 * connection has committed (`PRAGMA data_version` unchanged, which a commit
 * of this connection never changes), the last row is the one it wrote, and
 * reading it back would cost a query per append. Call `forget` when a
 * transaction that ran it did not commit.
 */
export function createAppendOne(
  sql: Statements,
  dataKeys: SqliteDataKeys,
): { append: AppendOne; forget: () => void } {
  let kept: { link: Link; dataVersion: number } | null = null;

  function lastLink(dataVersion: number): Link {
    if (kept !== null && kept.dataVersion === dataVersion) return kept.link;
    const row = sql.lastLink.get();
    return { next: row?.next ?? 1, hash: row?.hash ?? GENESIS_HASH };
  }

  function append(request: AppendRequest): StoredEvent[] {
    // Every event's stream has an expected version (checkAppendRequest), and
    // the versions follow on: the stream's last event gives its new version.
    const finals = new Map<string, number>();
    for (const event of request.events) finals.set(event.sourceId, event.streamVersion);
    // The version is checked by the write itself; only a conflict reads it back, for the message.
    for (const [streamId, expected] of Object.entries(request.expectedVersions)) {
      const final = finals.get(streamId);
      const moved =
        final === undefined
          ? (sql.streamVersion.get(streamId) ?? 0) === expected
          : expected === 0
            ? sql.createStream.run(streamId, final).changes === 1
            : sql.moveStream.run(final, streamId, expected).changes === 1;
      if (!moved) throw versionConflict(streamId, expected, sql.streamVersion.get(streamId) ?? 0);
    }
    // The transaction is IMMEDIATE: no other writer can create a stream between this check and the commit.
    const guard = request.tenantUnchanged;
    if (guard) {
      const created = sql.streamCreatedAfter.get(guard.tenantId, guard.position);
      if (created !== undefined) throw tenantConflict(guard, created);
    }
    // Every claim is checked before any is changed, as in the memory store; the
    // transaction would roll back anyway, but this keeps the two readable side by side.
    const released = new Map<string, { scope: string; key: string }>();
    for (const release of request.releases ?? []) {
      if (sql.claimOwner.get(release.scope, release.key) === release.owner) {
        released.set(claimId(release.scope, release.key), release);
      }
    }
    for (const claim of request.claims ?? []) {
      const owner = sql.claimOwner.get(claim.scope, claim.key);
      const free = owner === undefined || released.has(claimId(claim.scope, claim.key));
      if (!free && owner !== claim.owner) throw claimConflict(claim, owner);
    }
    const destroyed = request.sealedUnder?.find((keyId) => !dataKeys.isLive(keyId));
    if (destroyed !== undefined) throw dataKeyConflict(destroyed);
    for (const release of released.values()) sql.deleteClaim.run(release.scope, release.key);
    for (const claim of request.claims ?? []) sql.setClaim.run(claim.scope, claim.key, claim.owner);

    // Under the write lock nobody else appends: the event before is the last row.
    const dataVersion = sql.dataVersion.get() ?? 0;
    const last = lastLink(dataVersion);
    let previous = last.hash;
    let position = last.next;
    const stored = request.events.map((event) => {
      const positioned = { ...event, position: position++ };
      previous = eventHash(previous, positioned);
      const chained = { ...positioned, hash: previous };
      sql.insertEvent.run(...eventParams(chained));
      return deepFreeze(chained);
    });
    if (request.destroysDataKeysOf !== undefined) {
      dataKeys.destroyInTransaction(request.destroysDataKeysOf);
    }
    // Last, once nothing here can throw: a savepoint rolled back keeps the link before it.
    kept = { link: { next: position, hash: previous }, dataVersion };
    return stored;
  }

  return {
    append,
    forget: () => {
      kept = null;
    },
  };
}
