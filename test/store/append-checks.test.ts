/**
 * The errors every store builds the same way: what a refused append says,
 * so a conflict in a log names the stream, the key or the tenant at stake.
 */
import { describe, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import {
  checkAppendRequest,
  claimConflict,
  dataKeyConflict,
  storeError,
  tenantConflict,
  versionConflict,
} from '../../src/store/append-checks.js';
import type { PendingEvent } from '../../src/store/event-store.js';

function pending(
  sourceId: string,
  streamVersion: number,
  eventId = `e-${sourceId}-${streamVersion}`,
): PendingEvent {
  return {
    eventId,
    type: 'ConnectionRecorded',
    schemaVersion: 1,
    sourceId,
    tenantId: 't',
    streamVersion,
    occurredAt: '2024-01-01T00:00:00.000Z',
    data: {},
    metadata: {},
  };
}

function refusal(run: () => unknown): DataSourceError {
  try {
    run();
  } catch (error) {
    if (error instanceof DataSourceError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('checking an append request against itself', () => {
  it('accepts events that continue each stream from its expected version', () => {
    expect(() =>
      checkAppendRequest({
        events: [pending('a', 3), pending('b', 1), pending('a', 4)],
        expectedVersions: { a: 2, b: 0 },
      }),
    ).not.toThrow();
  });

  it('names the stream that has no expected version', () => {
    const error = refusal(() =>
      checkAppendRequest({ events: [pending('a', 1)], expectedVersions: {} }),
    );
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toBe('Append has no expected version for stream a');
    expect(error.sourceId).toBe('a');
    expect(error.details).toEqual({ issues: [{ path: 'expectedVersions.a', message: 'missing' }] });
  });

  it('names the event whose stream version does not follow, and the version it needed', () => {
    const error = refusal(() =>
      checkAppendRequest({
        events: [pending('a', 1), pending('a', 3, 'e-x')],
        expectedVersions: { a: 0 },
      }),
    );
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toBe('Event e-x has stream version 3, expected 2');
    expect(error.sourceId).toBe('a');
    expect(error.details).toEqual({
      issues: [{ path: 'events.streamVersion', message: 'must be 2' }],
    });
  });
});

describe('the conflicts a store reports', () => {
  it('a version conflict names the stream and both versions', () => {
    const error = versionConflict('a', 2, 5);
    expect(error.code).toBe(ErrorCode.CONCURRENCY_CONFLICT);
    expect(error.message).toBe('Stream a is at version 5, the append expected 2');
    expect(error.details).toEqual({ reason: 'version', streamId: 'a', expected: 2, actual: 5 });
  });

  it('a claim conflict names the key, its scope and who holds it', () => {
    const error = claimConflict({ scope: 't', key: 'orders db', owner: 'b' }, 'a');
    expect(error.message).toBe('Key "orders db" in scope t is held by a');
    expect(error.sourceId).toBe('b');
    expect(error.details).toEqual({ reason: 'claim', scope: 't', key: 'orders db', heldBy: 'a' });
  });

  it('a data-key conflict names the key that is no longer live', () => {
    const error = dataKeyConflict('k1');
    expect(error.code).toBe(ErrorCode.CONCURRENCY_CONFLICT);
    expect(error.message).toBe(
      'Data key k1 was destroyed (its tenant purged) before the append that sealed secrets under it',
    );
    expect(error.details).toEqual({ reason: 'dataKey', dataKeyId: 'k1' });
  });

  it('a tenant conflict names the tenant and both positions', () => {
    const error = tenantConflict({ tenantId: 't', position: 4 }, 9);
    expect(error.message).toBe('Tenant t gained a stream at position 9, after position 4');
    expect(error.details).toEqual({ reason: 'tenant', tenantId: 't', after: 4, createdAt: 9 });
  });
});

describe('a store failure', () => {
  it('says what failed and why, and keeps the driver error as its cause', () => {
    const cause = new Error('disk I/O error');
    const error = storeError('Append', cause);
    expect(error.code).toBe(ErrorCode.STORE_ERROR);
    expect(error.message).toBe('Append failed: disk I/O error');
    expect(error.cause).toBe(cause);
  });

  it('says what a thrown non-error was', () => {
    expect(storeError('Read', 'socket closed').message).toBe('Read failed: socket closed');
  });

  it('passes a DataSourceError through unchanged', () => {
    const conflict = versionConflict('a', 1, 2);
    expect(storeError('Append', conflict)).toBe(conflict);
  });
});
