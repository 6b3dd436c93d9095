/**
 * Streams whose id starts with `$` are the registry's own, never a data
 * source's (as EventStoreDB names its system streams): source ids may not
 * start with it, so no source can ever collide with one.
 */
export const REGISTRY_STREAM_PREFIX = '$';

/** The prefix of a tenant's own stream, which records what happened to the tenant as a whole. */
export const TENANT_STREAM_PREFIX = '$tenant:';

/** The id of the tenant's own stream: `$tenant:<tenantId>`, where its `TenantPurged` events go. */
export function tenantStreamId(tenantId: string): string {
  return `${TENANT_STREAM_PREFIX}${tenantId}`;
}
