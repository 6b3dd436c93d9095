import { SECRET_MASK } from '../domain/secrets.js';
import { isSealedValue } from '../security/event-secrets.js';
import { formatSecretPath, mapEventSecrets } from '../security/secret-paths.js';
import type { PendingEvent } from '../store/event-store.js';

/** How a secret appears in an exported event: sealed (backup), `"***"` (audit) or as it is. */
export type SecretForm = 'sealed' | 'redacted' | 'plaintext';

/** Each non-null secret of the event with the form it is in, in the order of `secretPaths`. */
export function secretForms(event: PendingEvent): { path: string; form: SecretForm }[] {
  const forms: { path: string; form: SecretForm }[] = [];
  mapEventSecrets(event, (value, path) => {
    if (value === null) return value;
    const form = isSealedValue(value) ? 'sealed' : value === SECRET_MASK ? 'redacted' : 'plaintext';
    forms.push({ path: formatSecretPath(path), form });
    return value;
  });
  return forms;
}

/** The paths of the secrets the event holds in plaintext; empty when none. */
export function plaintextSecrets(event: PendingEvent): string[] {
  return secretForms(event)
    .filter((secret) => secret.form === 'plaintext')
    .map((secret) => secret.path);
}
