import { DataSourceError, ErrorCode } from '../domain/errors.js';
import type { DataSourceEvent } from '../domain/events.js';
import type { TenantGuard, UniqueClaim } from '../store/event-store.js';
import { tenantOfNameScope } from './name-claims.js';

/** What one command writes in one atomic append. */
export interface AppendPlan {
  events: DataSourceEvent[];
  expectedVersions: Record<string, number>;
  claims: UniqueClaim[];
  releases: UniqueClaim[];
  tenantUnchanged?: TenantGuard;
  /** A purge's tenant, whose data keys the append destroys. */
  destroysDataKeysOf?: string;
}

export function isConflict(error: unknown): error is DataSourceError<'CONCURRENCY_CONFLICT'> {
  return DataSourceError.is(error, ErrorCode.CONCURRENCY_CONFLICT);
}

/**
 * The error a caller sees once retries ran out: a name still claimed after
 * catching up is a duplicate, whatever the race looked like.
 */
export function writeError(error: unknown): unknown {
  if (isConflict(error) && error.details.reason === 'claim') {
    const { scope, key, heldBy } = error.details;
    return new DataSourceError(error.message, {
      code: ErrorCode.DUPLICATE_NAME,
      sourceId: error.sourceId,
      details: { tenantId: tenantOfNameScope(scope), name: key, heldBy },
      cause: error,
    });
  }
  return error;
}
