import { PURGED_SECRET, SECRET_MASK } from '../domain/secrets.js';
import type { PendingEvent } from '../store/event-store.js';
import { mapEventSecrets } from './secret-paths.js';

// A purged secret is shown as purged: it discloses nothing, and tells more than "***".
const mask = (value: unknown) => (value === PURGED_SECRET ? PURGED_SECRET : SECRET_MASK);

/**
 * The event as listeners, `history()`, exports and logs may see it: each
 * non-null password, apiKey and connectionString, and every oauthConfig value,
 * replaced by `"***"` (oauthConfig keys kept, as `DataSourceConfig.masked`
 * does). Null secrets stay null, so a reader can still tell "none" from
 * "hidden", and a purged secret stays `"<purged>"`. Events without secrets are returned as they are, not copied.
 */
export function redactEvent<E extends PendingEvent>(event: E): E {
  return mapEventSecrets(event, mask);
}
