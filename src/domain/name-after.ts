import type { EventDraft } from './events.js';

/**
 * The name a source holds after `event`, given the name it held before
 * (null before it exists): what name claims and the import's checks follow.
 * Deleted, it holds none; its name is free again.
 */
export function nameAfter(event: EventDraft, before: string | null): string | null {
  switch (event.type) {
    case 'DataSourceRegistered':
      return event.data.name;
    case 'DataSourceRenamed':
      return event.data.to;
    case 'DataSourceDeleted':
      return null;
    default:
      return before;
  }
}
