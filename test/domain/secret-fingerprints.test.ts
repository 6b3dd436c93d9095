import { describe, expect, it } from 'vitest';
import type { EventDraft } from '../../src/domain/events.js';
import { dataSourceEventSchema } from '../../src/domain/events.js';
import { setSecrets } from '../../src/domain/secret-fingerprints.js';
import { config, envelope, given, registered } from '../support/given-when-then.js';

const A = '0123456789abcdef';
const B = 'fedcba9876543210';

const configUpdated = (data: Extract<EventDraft, { type: 'DataSourceConfigUpdated' }>['data']) =>
  ({ type: 'DataSourceConfigUpdated', data }) as const;

describe('secret fingerprints in the state', () => {
  it('a registration gives the source the fingerprints its event carries', () => {
    const source = given([registered({ secretFingerprints: { password: A } })]).state.source;

    expect(source?.secretFingerprints).toEqual({ password: A });
  });

  it('a config update replaces the fingerprints with its own', () => {
    const source = given([
      registered({ secretFingerprints: { password: A } }),
      configUpdated({ config: config({ apiKey: 'k' }), secretFingerprints: { apiKey: B } }),
    ]).state.source;

    expect(source?.secretFingerprints).toEqual({ apiKey: B });
  });

  it('a config update written before fingerprints leaves the source with none', () => {
    const source = given([
      registered({ secretFingerprints: { password: A } }),
      configUpdated({ config: config({ password: 'other' }) }),
    ]).state.source;

    expect(source?.secretFingerprints).toEqual({});
  });

  it('an event whose fingerprint is not 16 hex digits fails its schema', () => {
    const [event] = envelope([registered({ secretFingerprints: { password: 'not-a-hash' } })]);

    expect(dataSourceEventSchema.safeParse(event).success).toBe(false);
  });
});

describe('the secrets of a config that are set', () => {
  it('names each by its field, and each oauthConfig value by its key after oauthConfig.', () => {
    const secrets = setSecrets(
      config({
        password: 'pw',
        apiKey: null,
        connectionString: 'postgres://u:p@h/d',
        oauthConfig: { clientSecret: 's', 'a.b': 2, none: null },
      }),
    );

    expect(secrets).toEqual([
      ['password', 'pw'],
      ['connectionString', 'postgres://u:p@h/d'],
      ['oauthConfig.clientSecret', 's'],
      ['oauthConfig.a.b', 2],
    ]);
  });
});
