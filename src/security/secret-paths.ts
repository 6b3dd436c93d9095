import { EVENT_TYPES, type EventType } from '../domain/events.js';
import { isRecord } from '../domain/json.js';
import { SECRET_FIELDS, SECRET_MAP_FIELD } from '../domain/secrets.js';
import type { PendingEvent } from '../store/event-store.js';

/**
 * Whether each event type's data carries a config, and so secrets. A new
 * event type does not compile until it says, so no secret of it can reach a
 * store unsealed or a listener unredacted by being forgotten here.
 */
export const EVENT_CARRIES_SECRETS = {
  DataSourceRegistered: true,
  DataSourceRenamed: false,
  DataSourceDescriptionChanged: false,
  DataSourceConfigUpdated: true,
  DataSourceMetadataReplaced: false,
  DataSourceActivated: false,
  DataSourceDeactivated: false,
  DataSourceDeprecated: false,
  ConnectionRecorded: false,
  ErrorRecorded: false,
  TagAdded: false,
  TagRemoved: false,
  AccessGranted: false,
  AccessRevoked: false,
  DataSourceDeleted: false,
  TenantPurged: false,
} as const satisfies Record<EventType, boolean>;

/** The event types whose data carries a config, and so secrets. */
export const SECRET_BEARING_EVENT_TYPES: ReadonlySet<string> = new Set<string>(
  EVENT_TYPES.filter((type) => EVENT_CARRIES_SECRETS[type]),
);

/**
 * Where a secret sits in an event's data: `["config", "password"]`, or
 * `["config", "oauthConfig", key]` for one oauthConfig value. An array, not a
 * dotted string, because oauthConfig keys may contain dots.
 */
export type SecretPath =
  | readonly ['config', (typeof SECRET_FIELDS)[number]]
  | readonly ['config', typeof SECRET_MAP_FIELD, string];

/** Called with each secret's value; what it returns replaces the value. */
export type SecretMapper = (value: unknown, path: SecretPath) => unknown;

/**
 * The event with each secret replaced by what `map` returns for it: each
 * non-null value of password, apiKey and connectionString, and every value of
 * oauthConfig (a null there too: the keys say which settings exist, the values
 * are all secret).
 *
 * When `map` changes nothing, or the event carries no config, the event
 * itself is returned: no copy on the hot path. Otherwise only the objects on
 * the way to a changed value are copied, and frozen; the input is never
 * changed. Data of an unexpected shape is passed through: checking it is the
 * schema's job, not this walk's.
 */
export function mapEventSecrets<E extends PendingEvent>(event: E, map: SecretMapper): E {
  if (!SECRET_BEARING_EVENT_TYPES.has(event.type)) return event;
  const data = event.data;
  if (!isRecord(data) || !isRecord(data.config)) return event;
  const config = data.config;

  let nextConfig: Record<string, unknown> | null = null;
  for (const field of SECRET_FIELDS) {
    const value = config[field];
    if (value === null || value === undefined) continue;
    const mapped = map(value, ['config', field]);
    if (mapped !== value) {
      nextConfig ??= { ...config };
      nextConfig[field] = mapped;
    }
  }

  const oauth = config[SECRET_MAP_FIELD];
  if (isRecord(oauth)) {
    let changed = false;
    const entries = Object.entries(oauth).map(([key, value]) => {
      const mapped = map(value, ['config', SECRET_MAP_FIELD, key]);
      if (mapped !== value) changed = true;
      return [key, mapped] as const;
    });
    if (changed) {
      nextConfig ??= { ...config };
      // fromEntries defines properties, so a key like "__proto__" stays a plain key.
      nextConfig[SECRET_MAP_FIELD] = Object.freeze(Object.fromEntries(entries));
    }
  }

  if (nextConfig === null) return event;
  const nextData = Object.freeze({ ...data, config: Object.freeze(nextConfig) });
  return Object.freeze({ ...event, data: nextData });
}

/** The paths of every secret the event carries (see {@link mapEventSecrets}); empty when none. */
export function secretPaths(event: PendingEvent): SecretPath[] {
  const paths: SecretPath[] = [];
  mapEventSecrets(event, (value, path) => {
    paths.push(path);
    return value;
  });
  return paths;
}

/** A path as shown in messages: `config.oauthConfig.clientSecret`. */
export function formatSecretPath(path: SecretPath): string {
  return path.join('.');
}
