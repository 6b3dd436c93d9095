import { describe, expect, it } from 'vitest';
import { DataSourceConfig } from '../../src/domain/config.js';
import { CustomerDataSource } from '../../src/domain/data-source.js';
import type { DataSourceEvent } from '../../src/domain/events.js';
import { evolve } from '../../src/domain/evolve.js';
import { keepMaskedSecrets } from '../../src/domain/secret-masks.js';
import { envelope, fold, registered } from '../support/given-when-then.js';
import { plainJson } from '../support/plain.js';
import { PLAINTEXTS, SECRET_CONFIG, SECRETS, shownSecrets } from '../support/printed-secrets.js';

const MASKED = {
  connectionString: '***',
  host: 'db.example.com',
  port: 5432,
  username: 'app',
  password: '***',
  database: null,
  authType: null,
  apiKey: '***',
  oauthConfig: { clientSecret: '***', refreshToken: '***' },
  poolSize: 5,
  poolTimeout: 30,
  maxRetries: 3,
  sslEnabled: false,
  sslVerify: true,
  sslCertPath: null,
  options: {},
};

const fromDict = () =>
  DataSourceConfig.fromDict({
    host: 'db.example.com',
    port: 5432,
    username: 'app',
    password: SECRETS.password,
    api_key: SECRETS.apiKey,
    connection_string: SECRETS.connectionString,
    oauth_config: { clientSecret: SECRETS.oauthSecret, refreshToken: SECRETS.oauthRefresh },
  });

describe('a config from DataSourceConfig.create, printed', () => {
  it('shows no secret in JSON, util.inspect or console.log', () => {
    expect(shownSecrets(DataSourceConfig.create(SECRET_CONFIG))).toEqual({});
  });

  it('serializes to JSON with every secret as "***", oauthConfig keys kept', () => {
    expect(JSON.parse(JSON.stringify(DataSourceConfig.create(SECRET_CONFIG)))).toEqual(MASKED);
  });

  it('keeps a null secret null in JSON, so "none" still differs from "hidden"', () => {
    const json = JSON.parse(JSON.stringify(DataSourceConfig.create({ host: 'h' })));
    expect(json).toMatchObject({ password: null, apiKey: null, connectionString: null });
    expect(json.oauthConfig).toBeNull();
  });
});

describe('a config from DataSourceConfig.fromDict, printed', () => {
  it('shows no secret in JSON, util.inspect or console.log', () => {
    expect(shownSecrets(fromDict())).toEqual({});
  });
});

describe('a config that prints masked, used as data', () => {
  it('gives the plaintext secrets on property access', () => {
    const config = DataSourceConfig.create(SECRET_CONFIG);
    expect(config.password).toBe(SECRETS.password);
    expect(config.apiKey).toBe(SECRETS.apiKey);
    expect(config.connectionString).toBe(SECRETS.connectionString);
    expect(config.oauthConfig?.clientSecret).toBe(SECRETS.oauthSecret);
  });

  it('has only its settings as keys, so keys, for…in and spreading see no methods', () => {
    const config = DataSourceConfig.create(SECRET_CONFIG);
    const inherited: string[] = [];
    for (const key in config) inherited.push(key);
    expect(inherited).toEqual(Object.keys(MASKED));
    expect(Object.keys({ ...config })).toEqual(Object.keys(MASKED));
  });

  it('spreads and clones into plain objects that hold the plaintext', () => {
    const config = DataSourceConfig.create(SECRET_CONFIG);
    expect(JSON.stringify({ ...config })).toContain(SECRETS.password);
    expect(structuredClone(config).password).toBe(SECRETS.password);
  });

  it('equals the plain object of its values', () => {
    const config = DataSourceConfig.create(SECRET_CONFIG);
    expect(config).toEqual({
      ...MASKED,
      ...SECRET_CONFIG,
      connectionString: SECRETS.connectionString,
    });
    expect(config).toStrictEqual(structuredClone(config));
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DataSourceConfig.create(SECRET_CONFIG))).toBe(true);
  });

  it('gives its secrets through toDict with includeSecrets, and masks them without', () => {
    const config = DataSourceConfig.create(SECRET_CONFIG);
    expect(DataSourceConfig.toDict(config, { includeSecrets: true }).password).toBe(
      SECRETS.password,
    );
    expect(DataSourceConfig.toDict(config).password).toBe('***');
  });

  it('goes into an event as a plain config, which a store writes with its values', () => {
    const event = keepMaskedSecrets(DataSourceConfig.create(SECRET_CONFIG), null);
    expect(JSON.stringify(event)).toContain(SECRETS.password);
    expect(Object.isFrozen(event)).toBe(true);
  });
});

describe('a source folded from events', () => {
  const history = (): DataSourceEvent[] => [
    ...envelope([
      registered({ config: structuredClone(DataSourceConfig.create(SECRET_CONFIG)) }),
      { type: 'DataSourceActivated', data: {} },
    ]),
  ];

  it('shows no secret in JSON, util.inspect or console.log', () => {
    const { source } = fold(history());
    expect(shownSecrets(source)).toEqual({});
    expect(shownSecrets({ source })).toEqual({});
  });

  it('gives the plaintext on property access and through toDict with includeSecrets', () => {
    const { source } = fold(history());
    if (!source) throw new Error('expected a source');
    expect(source.config.password).toBe(SECRETS.password);
    const dict = JSON.stringify(CustomerDataSource.toDict(source, { includeSecrets: true }));
    for (const secret of [SECRETS.password, SECRETS.apiKey, SECRETS.oauthSecret]) {
      expect(dict).toContain(secret);
    }
  });

  it('leaves the plain config in its events', () => {
    const events = history();
    fold(events);
    const json = JSON.stringify(events);
    for (const secret of PLAINTEXTS) expect(json).toContain(secret);
  });

  it('keeps a config that prints masked and shares it with the next snapshot', () => {
    const first = fold(history().slice(0, 1));
    const [activated] = envelope([{ type: 'DataSourceActivated', data: {} }], { after: 1 });
    const second = evolve(first, activated as DataSourceEvent);
    expect(second.source?.config).toBe(first.source?.config);
  });

  it('folds the same log twice to the same state, secrets included, byte for byte', () => {
    expect(plainJson(fold(history()))).toBe(plainJson(fold(history())));
    expect(plainJson(fold(history()))).toContain(SECRETS.password);
  });
});
