import { DataSourceError, ErrorCode } from '../domain/errors.js';

/** Longer than any name a service would give a subscription, short enough to show in a message. */
const MAX_NAME_LENGTH = 128;

/**
 * Checks a subscription name handed to a store: a non-empty string of at
 * most 128 characters.
 *
 * @throws DataSourceError INVALID_INPUT otherwise.
 */
export function checkSubscriptionName(name: unknown): string {
  if (typeof name !== 'string' || name === '' || name.length > MAX_NAME_LENGTH) {
    const message = `must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`;
    throw new DataSourceError(`Invalid subscription name: ${message}`, {
      code: ErrorCode.INVALID_INPUT,
      details: { issues: [{ path: 'name', message }] },
    });
  }
  return name;
}

/**
 * Checks a checkpoint: a subscription name and a position of the log (an
 * integer ≥ 0; 0 before the first event).
 *
 * @throws DataSourceError INVALID_INPUT naming what is wrong.
 */
export function checkCheckpoint(name: unknown, position: unknown): void {
  checkSubscriptionName(name);
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
    const message = 'must be an integer ≥ 0';
    throw new DataSourceError(`Invalid checkpoint position ${String(position)}: ${message}`, {
      code: ErrorCode.INVALID_INPUT,
      details: { issues: [{ path: 'position', message }] },
    });
  }
}
