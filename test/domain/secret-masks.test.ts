import { describe, expect, it } from 'vitest';
import { DataSourceConfig } from '../../src/domain/config.js';
import { ErrorCode } from '../../src/domain/errors.js';
import { SECRET_MASK } from '../../src/domain/secrets.js';
import { config, given, registerCommand, registered } from '../support/given-when-then.js';

const stored = config({
  host: 'db.internal',
  password: 'pw-stored',
  apiKey: 'key-stored',
  connectionString: 'postgresql://app:pw-stored@db.internal/app',
  oauthConfig: { clientId: 'id-stored', clientSecret: 'secret-stored' },
});
const withStoredSecrets = () => given([registered({ config: stored })]);

describe('writing a masked config back', () => {
  it.each(['password', 'apiKey', 'connectionString'] as const)(
    'the mask in %s keeps the stored secret while the other fields change',
    (field) => {
      const written = config({ ...stored, [field]: SECRET_MASK, host: 'db2.internal' });
      withStoredSecrets()
        .when({ type: 'UpdateConfig', config: written })
        .then([
          {
            type: 'DataSourceConfigUpdated',
            data: { config: { ...stored, host: 'db2.internal' } },
          },
        ]);
    },
  );

  it('the mask in an oauthConfig value keeps that stored value, and the other values change', () => {
    const written = config({
      ...stored,
      oauthConfig: { clientId: 'id-new', clientSecret: SECRET_MASK },
    });
    withStoredSecrets()
      .when({ type: 'UpdateConfig', config: written })
      .then([
        {
          type: 'DataSourceConfigUpdated',
          data: {
            config: {
              ...stored,
              oauthConfig: { clientId: 'id-new', clientSecret: 'secret-stored' },
            },
          },
        },
      ]);
  });

  it('a config read with toDict and written back unchanged appends nothing', () => {
    const readBack = DataSourceConfig.fromDict(DataSourceConfig.toDict(stored));
    expect(readBack.password).toBe(SECRET_MASK);
    withStoredSecrets().when({ type: 'UpdateConfig', config: readBack }).thenNothing();
  });

  it('the mask is kept through Update as through UpdateConfig', () => {
    const written = config({ ...stored, password: SECRET_MASK, port: 6432 });
    withStoredSecrets()
      .when({ type: 'Update', config: written })
      .then([{ type: 'DataSourceConfigUpdated', data: { config: { ...stored, port: 6432 } } }]);
  });

  it('a new value in place of the mask replaces the stored secret', () => {
    withStoredSecrets()
      .when({ type: 'UpdateConfig', config: config({ ...stored, password: 'pw-new' }) })
      .then([
        { type: 'DataSourceConfigUpdated', data: { config: { ...stored, password: 'pw-new' } } },
      ]);
  });

  it('null in place of the mask removes the stored secret', () => {
    withStoredSecrets()
      .when({ type: 'UpdateConfig', config: config({ ...stored, apiKey: null }) })
      .then([{ type: 'DataSourceConfigUpdated', data: { config: { ...stored, apiKey: null } } }]);
  });
});

describe('a mask with nothing to keep', () => {
  it('the mask for a secret with no stored value is INVALID_INPUT naming the field', () => {
    const error = given([registered({ config: config({ host: 'h' }) })])
      .when({ type: 'UpdateConfig', config: config({ host: 'h', password: SECRET_MASK }) })
      .thenThrows(ErrorCode.INVALID_INPUT);
    expect(error.details).toEqual({
      issues: [{ path: 'config.password', message: expect.stringContaining(SECRET_MASK) }],
    });
  });

  it('the mask for an oauthConfig key with no stored value is INVALID_INPUT naming the key', () => {
    const error = withStoredSecrets()
      .when({
        type: 'UpdateConfig',
        config: config({ ...stored, oauthConfig: { ...stored.oauthConfig, scope: SECRET_MASK } }),
      })
      .thenThrows(ErrorCode.INVALID_INPUT);
    expect(error.details).toMatchObject({ issues: [{ path: 'config.oauthConfig.scope' }] });
  });

  it('the mask in an oauthConfig value with no stored oauthConfig is INVALID_INPUT', () => {
    given([registered({ config: config({ host: 'h' }) })])
      .when({ type: 'UpdateConfig', config: config({ oauthConfig: { token: SECRET_MASK } }) })
      .thenThrows(ErrorCode.INVALID_INPUT);
  });

  it.each(['password', 'apiKey', 'connectionString'] as const)(
    'the mask as the %s of a registration is INVALID_INPUT',
    (field) => {
      given()
        .when(registerCommand({ config: config({ [field]: SECRET_MASK }) }))
        .thenThrows(ErrorCode.INVALID_INPUT);
    },
  );

  it('the mask as an oauthConfig value of a registration is INVALID_INPUT', () => {
    given()
      .when(registerCommand({ config: config({ oauthConfig: { clientSecret: SECRET_MASK } }) }))
      .thenThrows(ErrorCode.INVALID_INPUT);
  });
});
