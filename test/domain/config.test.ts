import { describe, expect, it } from 'vitest';
import { DataSourceConfig, type DataSourceConfigInput } from '../../src/domain/config.js';
import { ErrorCode } from '../../src/domain/errors.js';
import { SECRET_MASK } from '../../src/domain/secrets.js';
import { caught, issuesOf } from '../support/given-when-then.js';

/** The INVALID_INPUT that `create` throws for this input (the input is deliberately unchecked). */
const rejection = (input: unknown) =>
  caught(() => DataSourceConfig.create(input as DataSourceConfigInput));

/** The paths of the issues an INVALID_INPUT lists. */
const issuePaths = (input: unknown) => {
  const error = rejection(input);
  expect(error.code).toBe(ErrorCode.INVALID_INPUT);
  return issuesOf(error).map((issue) => issue.path);
};

const SNAKE_KEYS = [
  'connection_string',
  'host',
  'port',
  'username',
  'password',
  'database',
  'auth_type',
  'api_key',
  'oauth_config',
  'pool_size',
  'pool_timeout',
  'max_retries',
  'ssl_enabled',
  'ssl_verify',
  'ssl_cert_path',
  'options',
];

describe('DataSourceConfig.create', () => {
  it('fills every default when given nothing', () => {
    expect(DataSourceConfig.create()).toEqual({
      connectionString: null,
      host: null,
      port: null,
      username: null,
      password: null,
      database: null,
      authType: null,
      apiKey: null,
      oauthConfig: null,
      poolSize: 5,
      poolTimeout: 30,
      maxRetries: 3,
      sslEnabled: false,
      sslVerify: true,
      sslCertPath: null,
      options: {},
    });
  });

  it('keeps the values given and defaults only the rest', () => {
    const config = DataSourceConfig.create({
      host: 'db',
      port: 5432,
      poolSize: 1,
      sslVerify: false,
    });
    expect(config).toMatchObject({ host: 'db', port: 5432, poolSize: 1, sslVerify: false });
    expect(config.maxRetries).toBe(3);
  });

  it('treats null as unset for the nullable fields', () => {
    expect(DataSourceConfig.create({ host: null, oauthConfig: null }).host).toBeNull();
  });

  it('freezes the config deeply', () => {
    const config = DataSourceConfig.create({
      options: { retry: { backoff: [1, 2] } },
      oauthConfig: { scopes: ['read'] },
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.options)).toBe(true);
    expect(Object.isFrozen(config.options.retry)).toBe(true);
    expect(Object.isFrozen(config.oauthConfig?.scopes)).toBe(true);
  });

  it('shares no object with its input, so changing the input later changes nothing', () => {
    const options = { list: [1] };
    const config = DataSourceConfig.create({ options });
    options.list.push(2);
    expect(config.options).toEqual({ list: [1] });
  });

  it('accepts a created config as its input and gives an equal one back', () => {
    const config = DataSourceConfig.create({ host: 'db', options: { a: 1 } });
    expect(DataSourceConfig.create(config)).toEqual(config);
  });

  it('rejects a misspelt key loudly, naming it in details.issues', () => {
    const error = rejection({ host: 'db', pasword: 'secret' });
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(issuesOf(error)).toEqual([
      { path: expect.any(String), message: expect.stringContaining('pasword') },
    ]);
  });

  it('rejects a snake_case key: create takes camelCase only', () => {
    expect(rejection({ pool_size: 3 }).code).toBe(ErrorCode.INVALID_INPUT);
  });

  it.each([0, 65536, 1.5, -1, '5432', Number.NaN])('rejects the port %s', (port) => {
    expect(issuePaths({ port })).toEqual(['port']);
  });

  it.each([1, 65535])('accepts the port %s', (port) => {
    expect(DataSourceConfig.create({ port }).port).toBe(port);
  });

  it('rejects a pool size of 0', () => {
    expect(issuePaths({ poolSize: 0 })).toEqual(['poolSize']);
  });

  it('rejects a fractional pool size', () => {
    expect(issuePaths({ poolSize: 2.5 })).toEqual(['poolSize']);
  });

  it('rejects a negative pool timeout', () => {
    expect(issuePaths({ poolTimeout: -1 })).toEqual(['poolTimeout']);
  });

  it('rejects a negative retry count', () => {
    expect(issuePaths({ maxRetries: -1 })).toEqual(['maxRetries']);
  });

  it('accepts a pool timeout and a retry count of 0', () => {
    expect(DataSourceConfig.create({ poolTimeout: 0, maxRetries: 0 })).toMatchObject({
      poolTimeout: 0,
      maxRetries: 0,
    });
  });

  it('rejects a boolean given as a string', () => {
    expect(issuePaths({ sslEnabled: 'true' })).toEqual(['sslEnabled']);
  });

  it.each([
    ['a function', () => 1],
    ['undefined', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['a bigint', 1n],
  ])('rejects %s inside options, which would not survive the log', (_, value) => {
    expect(issuePaths({ options: { nested: { value } } })).toEqual([
      expect.stringMatching(/^options\.nested/),
    ]);
  });

  it('rejects undefined inside an array in options', () => {
    expect(issuePaths({ options: { list: [1, undefined] } })).toEqual([
      expect.stringMatching(/^options\.list/),
    ]);
  });

  it('rejects non-JSON values in oauthConfig too', () => {
    expect(issuePaths({ oauthConfig: { refresh: () => 'token' } })).toEqual([
      'oauthConfig.refresh',
    ]);
  });

  it('lists every failed check, not only the first', () => {
    expect(issuePaths({ port: 0, poolSize: 0 }).sort()).toEqual(['poolSize', 'port']);
  });
});

describe('DataSourceConfig.fromDict', () => {
  it('maps every snake_case key of the Python dict to its camelCase field', () => {
    const config = DataSourceConfig.fromDict({
      connection_string: 'postgresql://db/app',
      host: 'db',
      port: 5433,
      username: 'app',
      password: 'pw',
      database: 'app',
      auth_type: 'basic',
      api_key: 'key',
      oauth_config: { client_id: 'id' },
      pool_size: 7,
      pool_timeout: 11,
      max_retries: 0,
      ssl_enabled: true,
      ssl_verify: false,
      ssl_cert_path: '/certs/ca.pem',
      options: { application_name: 'svc' },
    });
    expect(config).toEqual({
      connectionString: 'postgresql://db/app',
      host: 'db',
      port: 5433,
      username: 'app',
      password: 'pw',
      database: 'app',
      authType: 'basic',
      apiKey: 'key',
      oauthConfig: { client_id: 'id' },
      poolSize: 7,
      poolTimeout: 11,
      maxRetries: 0,
      sslEnabled: true,
      sslVerify: false,
      sslCertPath: '/certs/ca.pem',
      options: { application_name: 'svc' },
    });
  });

  it('fills the defaults of the keys it lacks', () => {
    expect(DataSourceConfig.fromDict({ host: 'db' })).toEqual(
      DataSourceConfig.create({ host: 'db' }),
    );
  });

  it('rejects an unknown key, naming it', () => {
    const error = caught(() => DataSourceConfig.fromDict({ host: 'db', pasword: 'x' }));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toContain('pasword');
  });

  it('rejects a camelCase key rather than mixing the two spellings', () => {
    const error = caught(() => DataSourceConfig.fromDict({ pool_size: 3, poolSize: 9 }));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toContain('poolSize');
  });

  it('names a key that happens to be an Object.prototype member as it is', () => {
    const error = caught(() => DataSourceConfig.fromDict({ constructor: 1 }));
    expect(error.message).toContain('"constructor"');
  });

  it('checks the values as create does', () => {
    const error = caught(() => DataSourceConfig.fromDict({ port: 0 }));
    expect(issuesOf(error)).toEqual([{ path: 'port', message: expect.any(String) }]);
  });

  it('rejects what is not a dict', () => {
    const notADict = null as unknown as Record<string, unknown>;
    expect(caught(() => DataSourceConfig.fromDict(notADict)).code).toBe(ErrorCode.INVALID_INPUT);
  });

  it('gives back the config that toDict with includeSecrets wrote', () => {
    const config = DataSourceConfig.create({
      host: 'db',
      password: 'pw',
      oauthConfig: { a: 1 },
      options: { b: [true] },
    });
    const dict = DataSourceConfig.toDict(config, { includeSecrets: true });
    expect(DataSourceConfig.fromDict(dict)).toEqual(config);
  });
});

describe('DataSourceConfig.toDict', () => {
  const config = DataSourceConfig.create({
    connectionString: 'postgresql://app:pw@db/app',
    host: 'db',
    username: 'app',
    password: 'pw',
    apiKey: 'key',
    oauthConfig: { clientId: 'id', clientSecret: 'secret' },
  });

  it('has the Python module’s snake_case keys, all of them', () => {
    expect(Object.keys(DataSourceConfig.toDict(config))).toEqual(SNAKE_KEYS);
  });

  it('masks the password, the api key and the connection string', () => {
    expect(DataSourceConfig.toDict(config)).toMatchObject({
      password: SECRET_MASK,
      api_key: SECRET_MASK,
      connection_string: SECRET_MASK,
    });
  });

  it('masks every oauthConfig value but keeps its keys', () => {
    expect(DataSourceConfig.toDict(config).oauth_config).toEqual({
      clientId: SECRET_MASK,
      clientSecret: SECRET_MASK,
    });
  });

  it('shows what is not a secret as it is', () => {
    expect(DataSourceConfig.toDict(config)).toMatchObject({
      host: 'db',
      username: 'app',
      pool_size: 5,
    });
  });

  it('shows every secret with includeSecrets', () => {
    expect(DataSourceConfig.toDict(config, { includeSecrets: true })).toMatchObject({
      password: 'pw',
      api_key: 'key',
      connection_string: 'postgresql://app:pw@db/app',
      oauth_config: { clientId: 'id', clientSecret: 'secret' },
    });
  });

  it('shows null, not the mask, for secrets that are not set', () => {
    expect(DataSourceConfig.toDict(DataSourceConfig.create({ host: 'db' }))).toMatchObject({
      password: null,
      api_key: null,
      connection_string: null,
      oauth_config: null,
    });
  });

  it('returns a copy the caller may change without touching the config', () => {
    const dict = DataSourceConfig.toDict(DataSourceConfig.create({ options: { a: [1] } }), {
      includeSecrets: true,
    });
    (dict.options as { a: number[] }).a.push(2);
    expect(Object.isFrozen(dict)).toBe(false);
  });
});

describe('DataSourceConfig.masked', () => {
  it('gives a frozen config with every set secret masked and the rest unchanged', () => {
    const masked = DataSourceConfig.masked(
      DataSourceConfig.create({ host: 'db', password: 'pw', oauthConfig: { t: 'x' } }),
    );
    expect(masked).toMatchObject({
      host: 'db',
      password: SECRET_MASK,
      apiKey: null,
      oauthConfig: { t: SECRET_MASK },
    });
    expect(Object.isFrozen(masked)).toBe(true);
  });
});
