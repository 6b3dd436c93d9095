import { DataSourceError, ErrorCode } from './errors.js';
import { CURRENT_SCHEMA_VERSION, type EventType } from './events.js';

/**
 * An event as read from a log, before its data has been checked: the
 * envelope fields an upcaster may rely on, and data of the shape its
 * `schemaVersion` says.
 */
export interface VersionedEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
}

/**
 * Turns the data of one event type from the shape of `fromVersion` into the
 * shape of `fromVersion + 1`. It reads nothing but the data it is given (no
 * clock, no state, no other event), so an old log always replays to the same
 * state, and it must not change its input: return new objects.
 */
export interface Upcaster {
  readonly type: EventType;
  readonly fromVersion: number;
  upcast(data: unknown): unknown;
}

/** The upcasters of one code base, by type and version, and the version they lead to. */
export interface UpcasterChain {
  /** The shape the code reads: what every event is raised to. */
  readonly currentVersion: number;
  /** Looks up the step from `fromVersion` for `type`; none when that type kept its shape. */
  step(type: string, fromVersion: number): Upcaster | undefined;
}

const stepKey = (type: string, fromVersion: number) => `${type}@${fromVersion}`;

/**
 * The chain of the given upcasters, leading to `currentVersion`. The schema
 * version counts for the whole catalog: raising it for one type leaves every
 * other type's data as it was, so only the types whose shape changed need a
 * step.
 *
 * @throws DataSourceError INVALID_INPUT when two upcasters share a type and
 *   version, or one starts outside 1 … currentVersion - 1.
 */
export function defineUpcasters(
  currentVersion: number,
  upcasters: readonly Upcaster[],
): UpcasterChain {
  const steps = new Map<string, Upcaster>();
  for (const upcaster of upcasters) {
    const key = stepKey(upcaster.type, upcaster.fromVersion);
    if (
      !Number.isInteger(upcaster.fromVersion) ||
      upcaster.fromVersion < 1 ||
      upcaster.fromVersion >= currentVersion
    ) {
      throw new DataSourceError(
        `Upcaster ${key} starts outside versions 1 to ${currentVersion - 1}`,
        {
          code: ErrorCode.INVALID_INPUT,
          details: {
            issues: [{ path: 'fromVersion', message: `must be 1 to ${currentVersion - 1}` }],
            type: upcaster.type,
          },
        },
      );
    }
    if (steps.has(key)) {
      throw new DataSourceError(`Two upcasters for ${key}`, {
        code: ErrorCode.INVALID_INPUT,
        details: {
          issues: [{ path: 'fromVersion', message: 'has an upcaster already' }],
          type: upcaster.type,
        },
      });
    }
    steps.set(key, upcaster);
  }
  return { currentVersion, step: (type, fromVersion) => steps.get(stepKey(type, fromVersion)) };
}

/**
 * Version 2 added `secretFingerprints` to the events that carry a config. A
 * version 1 event is a valid version 2 one without them: its secrets were
 * never fingerprinted, and inventing fingerprints here would need a key an
 * upcaster does not have.
 */
const withoutFingerprints = (data: unknown) => data;

/** Every shape change of the catalog since version 1, oldest first. */
export const EVENT_UPCASTERS: UpcasterChain = defineUpcasters(CURRENT_SCHEMA_VERSION, [
  { type: 'DataSourceRegistered', fromVersion: 1, upcast: withoutFingerprints },
  { type: 'DataSourceConfigUpdated', fromVersion: 1, upcast: withoutFingerprints },
]);

/**
 * The event with its data raised, one step at a time, to the chain's current
 * version, and `schemaVersion` set to it. An event already current is
 * returned as it is. Validation is the caller's: this only reshapes.
 *
 * @throws DataSourceError CORRUPT_LOG when the event's version is newer than
 *   the chain's (written by a newer release) or not a positive integer, or an
 *   upcaster throws.
 */
export function upcastEvent<E extends VersionedEvent>(event: E, chain: UpcasterChain): E {
  const from = event.schemaVersion;
  if (from === chain.currentVersion) return event;
  if (!Number.isInteger(from) || from < 1 || from > chain.currentVersion) {
    const why =
      Number.isInteger(from) && from > chain.currentVersion
        ? `is newer than this release reads (${chain.currentVersion}): it was written by a newer release`
        : `is not a version (1 to ${chain.currentVersion})`;
    throw new DataSourceError(`Event of type ${event.type}: schema version ${from} ${why}`, {
      code: ErrorCode.CORRUPT_LOG,
      details: { type: event.type, schemaVersion: from, currentVersion: chain.currentVersion },
    });
  }
  let data = event.data;
  for (let version = from; version < chain.currentVersion; version++) {
    const step = chain.step(event.type, version);
    if (step === undefined) continue;
    try {
      data = step.upcast(data);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DataSourceError(
        `Event of type ${event.type}: raising its data from schema version ${version} failed: ${reason}`,
        {
          code: ErrorCode.CORRUPT_LOG,
          details: { type: event.type, schemaVersion: from, failedAt: version },
          cause: error,
        },
      );
    }
  }
  return { ...event, schemaVersion: chain.currentVersion, data };
}
