import type { DataSourceEvent } from './events.js';

/**
 * A source's access roles after the last of its events, deleted or not: what
 * decides whether a caller limited to some roles may read its history.
 */
export function accessRolesAfter(events: readonly DataSourceEvent[]): readonly string[] {
  let roles: readonly string[] = [];
  for (const event of events) {
    if (event.type === 'DataSourceRegistered') roles = event.data.accessRoles;
    else if (event.type === 'AccessGranted' && !roles.includes(event.data.role)) {
      roles = [...roles, event.data.role];
    } else if (event.type === 'AccessRevoked') {
      roles = roles.filter((role) => role !== event.data.role);
    }
  }
  return roles;
}
