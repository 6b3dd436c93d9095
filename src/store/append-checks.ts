import { DataSourceError, ErrorCode, invalidValue } from '../domain/errors.js';
import { checkAppendDataKeys } from './data-keys.js';
import type { AppendRequest, TenantGuard, UniqueClaim } from './event-store.js';

/** The conflict an append fails with when a stream moved on since the caller read it. */
export function versionConflict(streamId: string, expected: number, actual: number) {
  return new DataSourceError(
    `Stream ${streamId} is at version ${actual}, the append expected ${expected}`,
    {
      code: ErrorCode.CONCURRENCY_CONFLICT,
      sourceId: streamId,
      details: { reason: 'version', streamId, expected, actual },
    },
  );
}

/** The conflict an append fails with when a unique key is held by another owner. */
export function claimConflict(claim: UniqueClaim, heldBy: string) {
  return new DataSourceError(`Key "${claim.key}" in scope ${claim.scope} is held by ${heldBy}`, {
    code: ErrorCode.CONCURRENCY_CONFLICT,
    sourceId: claim.owner,
    details: { reason: 'claim', scope: claim.scope, key: claim.key, heldBy },
  });
}

/** The conflict an append fails with when its tenant gained a stream after the guard's position. */
export function tenantConflict(guard: TenantGuard, createdAt: number) {
  return new DataSourceError(
    `Tenant ${guard.tenantId} gained a stream at position ${createdAt}, after position ${guard.position}`,
    {
      code: ErrorCode.CONCURRENCY_CONFLICT,
      details: { reason: 'tenant', tenantId: guard.tenantId, after: guard.position, createdAt },
    },
  );
}

/** The conflict an append fails with when a data key its secrets are sealed under is not live. */
export function dataKeyConflict(dataKeyId: string) {
  return new DataSourceError(
    `Data key ${dataKeyId} was destroyed (its tenant purged) before the append that sealed secrets under it`,
    { code: ErrorCode.CONCURRENCY_CONFLICT, details: { reason: 'dataKey', dataKeyId } },
  );
}

/**
 * Checks what an append request says about itself, before any store looks at
 * its own state: each stream's events must continue its expected version.
 */
export function checkAppendRequest(request: AppendRequest): void {
  // Stryker disable next-line ConditionalExpression: a shortcut; checkAppendDataKeys finds nothing wrong when both are undefined
  if (request.sealedUnder !== undefined || request.destroysDataKeysOf !== undefined) {
    checkAppendDataKeys(request.sealedUnder, request.destroysDataKeysOf);
  }
  const next = new Map<string, number>();
  for (const event of request.events) {
    const expected = request.expectedVersions[event.sourceId];
    if (expected === undefined) {
      throw invalidValue(
        `Append has no expected version for stream ${event.sourceId}`,
        `expectedVersions.${event.sourceId}`,
        'missing',
        { sourceId: event.sourceId },
      );
    }
    const want = (next.get(event.sourceId) ?? expected) + 1;
    if (event.streamVersion !== want) {
      throw invalidValue(
        `Event ${event.eventId} has stream version ${event.streamVersion}, expected ${want}`,
        'events.streamVersion',
        `must be ${want}`,
        { sourceId: event.sourceId },
      );
    }
    next.set(event.sourceId, want);
  }
}

/** The store failure, wrapped so callers see one error type with the driver's error inside. */
export function storeError(what: string, cause: unknown): DataSourceError {
  if (cause instanceof DataSourceError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new DataSourceError(`${what} failed: ${reason}`, { code: ErrorCode.STORE_ERROR, cause });
}
