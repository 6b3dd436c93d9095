import { DataSourceError, ErrorCode, type OpenDetails } from '../domain/errors.js';
import { deepFreeze } from '../domain/freeze.js';
import { PURGED_SECRET, SECRET_MASK } from '../domain/secrets.js';
import type { PendingEvent } from '../store/event-store.js';
import { missingEncryptionKey } from './encryption-key.js';
import type { SecretCipher } from './secret-cipher.js';
import { formatSecretPath, mapEventSecrets, type SecretPath } from './secret-paths.js';
import { dataKeyIdOf, isDataKeyToken } from './tenant-keys.js';

/** The one key of a sealed secret as stored: `{ "$sealed": token }`. */
export const SEALED_KEY = '$sealed';

/** A secret as a durable store holds it: a token of {@link SecretCipher.seal}. */
export interface SealedValue {
  readonly [SEALED_KEY]: string;
}

/** True for `{ "$sealed": "<token>" }` and nothing else. */
export function isSealedValue(value: unknown): value is SealedValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === 1 &&
    keys[0] === SEALED_KEY &&
    typeof (value as Record<string, unknown>)[SEALED_KEY] === 'string'
  );
}

/**
 * What a secret's ciphertext is bound to: its tenant, its source and its place
 * in the config. A token copied to another source or field fails to open, so
 * someone with write access to the log cannot move a secret where it would be
 * used or shown differently. JSON keeps the parts unambiguous whatever they contain.
 */
export function secretAad(event: PendingEvent, path: SecretPath): string {
  return JSON.stringify([event.tenantId, event.sourceId, ...path]);
}

/**
 * The event with each secret (see `mapEventSecrets`) replaced by
 * `{ "$sealed": token }`. Each value is JSON-encoded before sealing, so
 * non-string oauthConfig values come back as they were, and so do strings
 * that are not well-formed UTF-16 (JSON escapes a lone surrogate; UTF-8 would
 * not keep it). Events without secrets are returned as they are.
 */
export function sealEventSecrets<E extends PendingEvent>(event: E, cipher: SecretCipher): E {
  return mapEventSecrets(event, (value, path) => {
    const sealed: SealedValue = {
      [SEALED_KEY]: cipher.seal(JSON.stringify(value), secretAad(event, path)),
    };
    return Object.freeze(sealed);
  });
}

/**
 * What a secret sealed under a tenant's data key is bound to, besides its
 * tenant: its source, its event and its place in the config. A token replayed
 * into another event (even a newer one of the same source and field) fails to open.
 */
export function envelopeAad(event: PendingEvent, path: SecretPath): string {
  return JSON.stringify([event.sourceId, event.eventId, ...path]);
}

/**
 * {@link sealEventSecrets} under the event's tenant's data key: `seal` is
 * that tenant's sealer (see `TenantKeys.sealerFor`).
 */
export function sealEventSecretsForTenant<E extends PendingEvent>(
  event: E,
  seal: (additionalData: string, plaintext: string) => string,
): E {
  return mapEventSecrets(event, (value, path) => {
    const sealed: SealedValue = {
      [SEALED_KEY]: seal(envelopeAad(event, path), JSON.stringify(value)),
    };
    return Object.freeze(sealed);
  });
}

/**
 * Opens a data-key token of the event's tenant: the plaintext, or null when
 * the tenant's data key was destroyed. See `TenantKeys.openLoaded`.
 */
export type DataKeyOpener = (
  tenantId: string,
  additionalData: string,
  token: string,
) => string | null;

/** The sealed tokens the events carry, for loading their keys before opening them. */
export function sealedTokens(events: readonly PendingEvent[]): string[] {
  const tokens: string[] = [];
  for (const event of events) {
    mapEventSecrets(event, (value) => {
      if (isSealedValue(value)) tokens.push(value[SEALED_KEY]);
      return value;
    });
  }
  return tokens;
}

function cannotOpen(event: PendingEvent, path: SecretPath, error: DataSourceError) {
  const where = formatSecretPath(path);
  const details: OpenDetails = error.details ?? {};
  const reason = typeof details.reason === 'string' ? details.reason : error.message;
  return new DataSourceError(
    `Cannot decrypt ${where} of data source ${event.sourceId}: ${reason}`,
    {
      code: error.code,
      sourceId: event.sourceId,
      details: { ...details, eventId: event.eventId, path: where },
      cause: error,
    },
  );
}

/** Where an event sits, for messages: its position once stored, else its id. */
function eventDetails(event: PendingEvent, path: SecretPath): Record<string, unknown> {
  const position = 'position' in event ? event.position : undefined;
  return {
    ...(typeof position === 'number' ? { position } : {}),
    eventId: event.eventId,
    path: formatSecretPath(path),
  };
}

/**
 * The event with each sealed secret decrypted: the inverse of
 * {@link sealEventSecrets}. Events without secrets are returned as they are.
 *
 * Every secret a durable store holds was sealed on its way in, so a secret
 * found in plaintext was written around this library (or the log was
 * tampered with): it is refused, never handed on as if it had been protected.
 * A null secret stays null; it discloses nothing.
 *
 * @param cipher - null when no key is set; then any sealed secret is an error.
 * @throws DataSourceError SECRET_UNAVAILABLE when a secret is sealed and there
 *   is no cipher, or the cipher cannot open it (other key, altered, moved);
 *   CORRUPT_LOG when a secret is not sealed, or what it opens to is not JSON.
 */
export function openEventSecrets<E extends PendingEvent>(
  event: E,
  cipher: SecretCipher | null,
  dataKeys: DataKeyOpener | null = null,
): E {
  return mapEventSecrets(event, (value, path) => {
    if (value === null) return value;
    if (!isSealedValue(value)) {
      const details = eventDetails(event, path);
      const where =
        details.position === undefined
          ? `Event ${event.eventId}`
          : `Event at position ${details.position}`;
      throw new DataSourceError(
        `${where}: ${formatSecretPath(path)} of data source ${event.sourceId} is stored in plaintext, not encrypted`,
        { code: ErrorCode.CORRUPT_LOG, sourceId: event.sourceId, details },
      );
    }
    // Tokens of both formats stay readable: a log written before data keys
    // holds secrets sealed under the master key directly.
    const open: ((token: string) => string | null) | null =
      dataKeys !== null && isDataKeyToken(value[SEALED_KEY])
        ? (token) => dataKeys(event.tenantId, envelopeAad(event, path), token)
        : cipher === null
          ? null
          : (token) => cipher.open(token, secretAad(event, path));
    if (open === null) {
      throw missingEncryptionKey(
        `Cannot read ${formatSecretPath(path)} of data source ${event.sourceId}: it is encrypted`,
        {
          sourceId: event.sourceId,
          details: { eventId: event.eventId, path: formatSecretPath(path) },
        },
      );
    }
    let plaintext: string | null;
    try {
      plaintext = open(value[SEALED_KEY]);
    } catch (error) {
      throw error instanceof DataSourceError ? cannotOpen(event, path, error) : error;
    }
    if (plaintext === null) return PURGED_SECRET;
    try {
      const opened: unknown = JSON.parse(plaintext);
      return typeof opened === 'object' && opened !== null ? deepFreeze(opened) : opened;
    } catch {
      // Authenticated, so written with this key, yet not what this library seals.
      throw new DataSourceError(
        `Event ${event.eventId}: ${formatSecretPath(path)} decrypts to something that is not JSON`,
        {
          code: ErrorCode.CORRUPT_LOG,
          sourceId: event.sourceId,
          details: eventDetails(event, path),
        },
      );
    }
  });
}

/**
 * The event with each sealed secret shown as `"***"`, for a reader without
 * the key: what a read-only registry folds. A secret whose data key is in
 * `destroyed` shows as `"<purged>"`. Null secrets stay null; a secret in
 * plaintext is refused as {@link openEventSecrets} refuses it.
 *
 * @throws DataSourceError CORRUPT_LOG when a secret is not sealed.
 */
export function withholdEventSecrets<E extends PendingEvent>(
  event: E,
  destroyed: ReadonlySet<string> = new Set(),
): E {
  return mapEventSecrets(event, (value, path) => {
    if (value === null) return null;
    if (isSealedValue(value)) {
      const keyId = dataKeyIdOf(value[SEALED_KEY]);
      return keyId !== null && destroyed.has(keyId) ? PURGED_SECRET : SECRET_MASK;
    }
    const details = eventDetails(event, path);
    throw new DataSourceError(
      `Event ${event.eventId}: ${formatSecretPath(path)} of data source ${event.sourceId} is stored in plaintext, not encrypted`,
      { code: ErrorCode.CORRUPT_LOG, sourceId: event.sourceId, details },
    );
  });
}
