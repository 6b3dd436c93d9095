import { type CustomerDataSource, nameKey } from '../domain/data-source.js';
import { DataSourceError, ErrorCode } from '../domain/errors.js';
import type { EventDraft } from '../domain/events.js';
import { nameAfter } from '../domain/name-after.js';
import type { UniqueClaim } from '../store/event-store.js';

const NAME_SCOPE = 'name:';

/** The claims a store holds for names: one scope per tenant, one key per normalized name. */
export function nameClaim(tenantId: string, name: string, sourceId: string): UniqueClaim {
  return { scope: `${NAME_SCOPE}${tenantId}`, key: nameKey(name), owner: sourceId };
}

/** The tenant whose names a claim's scope holds. */
export function tenantOfNameScope(scope: string): string {
  return scope.startsWith(NAME_SCOPE) ? scope.slice(NAME_SCOPE.length) : scope;
}

export function duplicateName(tenantId: string, name: string, heldBy: string): DataSourceError {
  return new DataSourceError(`Tenant ${tenantId} already has a data source named "${name}"`, {
    code: ErrorCode.DUPLICATE_NAME,
    details: { tenantId, name, heldBy },
  });
}

export interface NameChange {
  claims: UniqueClaim[];
  releases: UniqueClaim[];
  /** The name taken, to check against the live sources before writing. */
  taken: string | null;
}

/** The name claims a stream's new events take and give up. */
export function nameChange(
  sourceId: string,
  tenantId: string,
  before: CustomerDataSource | null,
  drafts: readonly EventDraft[],
): NameChange {
  const change: NameChange = { claims: [], releases: [], taken: null };
  let current = before?.name ?? null;
  for (const draft of drafts) {
    const next = nameAfter(draft, current);
    if (next !== null && current !== null && nameKey(next) === nameKey(current)) {
      current = next;
      continue;
    }
    if (current !== null) change.releases.push(nameClaim(tenantId, current, sourceId));
    if (next !== null) {
      change.claims.push(nameClaim(tenantId, next, sourceId));
      change.taken = next;
    }
    current = next;
  }
  return change;
}
