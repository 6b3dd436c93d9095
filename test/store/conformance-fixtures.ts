import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { expect } from 'vitest';
import { DataSourceError } from '../../src/domain/errors.js';
import type {
  AppendRequest,
  EventStore,
  PendingEvent,
  UniqueClaim,
} from '../../src/store/event-store.js';
import { detailsOf } from '../support/error-details.js';

/**
 * How the conformance suite gets the stores it tests. Every test starts from
 * `create()`, which must return an empty store of its own (a fresh file, a
 * fresh schema …).
 */
export interface EventStoreFactory {
  /** A new, empty store, used by one test only. */
  create(): Promise<EventStore>;
  /**
   * Durable stores only: the same log opened again, after the suite closed
   * `previous`. Without it the durability test is skipped.
   */
  reopen?(previous: EventStore): Promise<EventStore>;
  /**
   * Called after each test, once the suite has closed every store it opened:
   * the place to remove files or drop schemas.
   */
  cleanup?(): Promise<void>;
}

interface EventSpec {
  sourceId: string;
  streamVersion: number;
  tenantId?: string;
  type?: string;
  data?: unknown;
  metadata?: Record<string, unknown>;
}

/** A pending event with sensible defaults, so each test states only what it is about. */
export function pendingEvent(spec: EventSpec): PendingEvent {
  return {
    eventId: randomUUID(),
    type: spec.type ?? 'DataSourceCreated',
    schemaVersion: 1,
    sourceId: spec.sourceId,
    tenantId: spec.tenantId ?? 'tenant-a',
    streamVersion: spec.streamVersion,
    occurredAt: new Date(Date.UTC(2024, 0, 1, 0, 0, spec.streamVersion)).toISOString(),
    data: spec.data ?? { n: spec.streamVersion },
    metadata: spec.metadata ?? { actor: 'test' },
  };
}

/** An append of `count` events to a stream that holds `from` events. */
export function streamAppend(
  sourceId: string,
  from: number,
  count = 1,
  extra: Partial<AppendRequest> & { tenantId?: string } = {},
): AppendRequest {
  const { tenantId, ...rest } = extra;
  const events = Array.from({ length: count }, (_, i) =>
    pendingEvent({ sourceId, streamVersion: from + i + 1, ...(tenantId ? { tenantId } : {}) }),
  );
  return { events, expectedVersions: { [sourceId]: from }, ...rest };
}

export async function failure(promise: Promise<unknown>): Promise<DataSourceError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DataSourceError);
    return error as DataSourceError;
  }
  throw new Error('The operation succeeded but was expected to fail');
}

export const claim = (key: string, owner: string, scope = 'tenant-a'): UniqueClaim => ({
  scope,
  key,
  owner,
});

/** Resolves with the first head a listener hears. */
export function nextNotification(store: EventStore): Promise<number> {
  return new Promise((resolve) => {
    const stop = store.subscribe((head) => {
      stop();
      resolve(head);
    });
  });
}

/** One generated append: which stream, what it expects, what it claims and releases. */
export const commandArbitrary = fc.record({
  stream: fc.nat(2),
  expected: fc.nat(3),
  count: fc.integer({ min: 1, max: 2 }),
  claimKey: fc.option(fc.nat(2), { nil: undefined }),
  release: fc.option(fc.record({ key: fc.nat(2), owner: fc.nat(2) }), { nil: undefined }),
  scope: fc.nat(1),
});
export type Command = typeof commandArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** The request of a command; `run` keeps the streams and keys of one property run apart. */
export function commandRequest(command: Command, run: string): AppendRequest {
  const owner = `${run}-s${command.stream}`;
  const scope = `${run}-t${command.scope}`;
  return streamAppend(owner, command.expected, command.count, {
    claims: command.claimKey === undefined ? [] : [claim(`k${command.claimKey}`, owner, scope)],
    releases:
      command.release === undefined
        ? []
        : [claim(`k${command.release.key}`, `${run}-s${command.release.owner}`, scope)],
  });
}

/** What an append did, comparable across stores: positions differ, the rest must not. */
export async function outcome(append: Promise<readonly { streamVersion: number }[]>) {
  try {
    return { versions: (await append).map((event) => event.streamVersion) };
  } catch (error) {
    const { code } = error as DataSourceError;
    return { code, reason: detailsOf(error as DataSourceError).reason };
  }
}
