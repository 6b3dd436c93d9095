/** Which values of an event `mapEventSecrets` hands to its mapper, and when it copies. */
import { describe, expect, it } from 'vitest';
import { mapEventSecrets, secretPaths } from '../../src/security/secret-paths.js';
import type { PendingEvent } from '../../src/store/event-store.js';
import { eventConfig, registrationWith } from '../support/plain.js';

function registered(config: Record<string, unknown>): PendingEvent {
  return registrationWith({ ...eventConfig({ host: 'db.internal' }), ...config });
}

describe('mapEventSecrets', () => {
  it('does not hand a null password, apiKey or connectionString to the mapper', () => {
    const event = registered({ password: null, apiKey: 'k', connectionString: null });
    expect(secretPaths(event)).toEqual([['config', 'apiKey']]);
  });

  it('returns the event itself when the mapper gives back every value it was given', () => {
    const event = registered({ password: 'pw', oauthConfig: { clientSecret: 'cs', scope: null } });
    expect(mapEventSecrets(event, (value) => value)).toBe(event);
  });

  it('copies the event when the mapper changes only an oauthConfig value', () => {
    const event = registered({ oauthConfig: { clientSecret: 'cs' } });
    const mapped = mapEventSecrets(event, (value) => (value === 'cs' ? 'CS' : value));
    expect(mapped).not.toBe(event);
    expect((mapped.data as { config: { oauthConfig: unknown } }).config.oauthConfig).toEqual({
      clientSecret: 'CS',
    });
  });
});
