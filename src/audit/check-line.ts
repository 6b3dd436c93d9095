import { DataSourceError, ErrorCode } from '../domain/errors.js';
import type { DataSourceEvent } from '../domain/events.js';
import { EVENT_UPCASTERS } from '../domain/upcasters.js';
import { decodeEvent } from '../registry/read-events.js';
import { missingEncryptionKey } from '../security/encryption-key.js';
import { isSealedValue } from '../security/event-secrets.js';

import { mapEventSecrets } from '../security/secret-paths.js';
import type { StoredEvent } from '../store/event-store.js';
import { secretForms } from './secret-forms.js';

/** The error for line `line` of an import, its number in the message and in `details.line`. */
export function lineError(
  line: number,
  code: DataSourceError['code'],
  message: string,
  options: { details?: Record<string, unknown>; cause?: unknown; sourceId?: string | null } = {},
): DataSourceError {
  return new DataSourceError(`Line ${line}: ${message}`, {
    code,
    sourceId: options.sourceId ?? null,
    details: { ...options.details, line },
    cause: options.cause,
  });
}

/** A line as the object it holds, or CORRUPT_LOG naming the line. */
export function parseLine(line: number, text: string): StoredEvent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw lineError(line, ErrorCode.CORRUPT_LOG, `not valid JSON (${reason})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw lineError(line, ErrorCode.CORRUPT_LOG, 'not a JSON object (one event per line)');
  }
  return value as StoredEvent;
}

// Stands in for a sealed value while the event is checked without a key: a
// sealed secret was a string or JSON value when sealed, which the schema accepts.
const SEALED_STAND_IN = 'sealed';

/**
 * Checks one parsed line as an event a backup may hold, and returns it as
 * the registry will read it (raised to the current schema version), for
 * the log's own checks.
 *
 * - a secret shown as `"***"` means an audit export: its secrets are gone,
 *   so it is refused (FORBIDDEN) rather than restored without them;
 * - a secret in plaintext is CORRUPT_LOG: exports never hold one;
 * - a sealed secret is opened with `opener` when there is one (so a backup
 *   is refused under the wrong key before anything is written), and must
 *   be when the target store keeps plaintext (`mustOpen`).
 */
export function checkEvent(
  line: number,
  event: StoredEvent,
  opener: SecretOpener | null,
  mustOpen: boolean,
): DataSourceEvent {
  const where = { sourceId: typeof event.sourceId === 'string' ? event.sourceId : null };
  const forms = secretForms(event);
  const redacted = forms.filter((secret) => secret.form === 'redacted').map((s) => s.path);
  if (redacted.length > 0) {
    throw lineError(
      line,
      ErrorCode.FORBIDDEN,
      `${redacted.join(', ')} is "***": this is an audit export, whose secrets are gone; only a backup export (mode 'backup') can be imported`,
      { ...where, details: { paths: redacted } },
    );
  }
  const plaintext = forms.filter((secret) => secret.form === 'plaintext').map((s) => s.path);
  if (plaintext.length > 0) {
    throw lineError(
      line,
      ErrorCode.CORRUPT_LOG,
      `${plaintext.join(', ')} is in plaintext; an export holds secrets sealed`,
      { ...where, details: { paths: plaintext } },
    );
  }
  let readable = event;
  if (forms.length > 0) {
    if (opener !== null) readable = openSecrets(line, event, opener);
    else if (mustOpen) {
      throw missingEncryptionKey(
        `Line ${line}: the target store keeps secrets in plaintext, so the sealed secrets of the import must be opened`,
        { ...where, details: { line } },
      );
    } else {
      readable = mapEventSecrets(event, (value) =>
        isSealedValue(value) ? SEALED_STAND_IN : value,
      );
    }
  }
  try {
    return decodeEvent(readable, EVENT_UPCASTERS);
  } catch (error) {
    if (!(error instanceof DataSourceError)) throw error;
    throw lineError(line, error.code, lowerFirst(error.message), {
      ...where,
      details: error.details,
      cause: error,
    });
  }
}

/** Opens an event's sealed secrets: under the master key, or a tenant's data key. */
export type SecretOpener = (event: StoredEvent) => StoredEvent;

/** The event with its sealed secrets opened, or SECRET_UNAVAILABLE naming the line. */
export function openSecrets(line: number, event: StoredEvent, opener: SecretOpener): StoredEvent {
  try {
    return opener(event);
  } catch (error) {
    if (!(error instanceof DataSourceError)) throw error;
    throw lineError(line, error.code, lowerFirst(error.message), {
      sourceId: error.sourceId,
      details: error.details,
      cause: error,
    });
  }
}

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);
