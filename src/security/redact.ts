import { SECRET_MASK } from '../domain/secrets.js';
import type { PendingEvent } from '../store/event-store.js';
import { mapEventSecrets } from './secret-paths.js';

const mask = () => SECRET_MASK;

/**
 * The event as listeners, `history()`, exports and logs may see it: each
 * non-null password, apiKey and connectionString, and every oauthConfig value,
 * replaced by `"***"` (oauthConfig keys kept, as `DataSourceConfig.masked`
 * does). Null secrets stay null, so a reader can still tell "none" from
 * "hidden". Events without secrets are returned as they are, not copied.
 */
export function redactEvent<E extends PendingEvent>(event: E): E {
  return mapEventSecrets(event, mask);
}
