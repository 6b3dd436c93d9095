import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DataSourceConfigInput } from '../../src/domain/config.js';
import { ErrorCode } from '../../src/domain/errors.js';
import { deepFreeze } from '../../src/domain/freeze.js';
import { ENCRYPTION_KEY_ENV } from '../../src/security/encryption-key.js';
import {
  isSealedValue,
  openEventSecrets,
  SEALED_KEY,
  sealEventSecrets,
} from '../../src/security/event-secrets.js';
import { createSecretCipher } from '../../src/security/secret-cipher.js';
import type { PendingEvent } from '../../src/store/event-store.js';
import { caught } from '../support/given-when-then.js';
import { eventConfig } from '../support/plain.js';

const cipher = createSecretCipher(new Uint8Array(randomBytes(32)));

const SECRETS = {
  password: 'pw-Zq8x!secret',
  apiKey: 'ak-7f3c9e-secret',
  connectionString: 'postgres://app:cs-s3cr3t@db.internal:5432/orders',
  clientSecret: 'oauth-client-secret-42',
  refreshToken: 'oauth-refresh-token-99',
} as const;

const FULL_CONFIG: DataSourceConfigInput = {
  host: 'db.internal',
  username: 'app',
  password: SECRETS.password,
  apiKey: SECRETS.apiKey,
  connectionString: SECRETS.connectionString,
  oauthConfig: {
    clientSecret: SECRETS.clientSecret,
    refreshToken: SECRETS.refreshToken,
    expiresIn: 3600,
    scopes: ['read', 'write'],
    nested: { a: [1, null, true] },
    empty: null,
  },
};

function registered(
  config: DataSourceConfigInput,
  { sourceId = 's1', tenantId = 't1' }: { sourceId?: string; tenantId?: string } = {},
): PendingEvent {
  return deepFreeze({
    eventId: `e-${sourceId}-1`,
    type: 'DataSourceRegistered',
    schemaVersion: 1,
    sourceId,
    tenantId,
    streamVersion: 1,
    occurredAt: '2024-05-01T12:00:00.000Z',
    data: {
      name: 'Orders',
      sourceType: 'database',
      config: eventConfig(config),
      description: null,
      tags: ['prod'],
      metadata: {},
      accessRoles: [],
      ownerId: null,
    },
    metadata: { actor: 'alice' },
  });
}

function configUpdated(config: DataSourceConfigInput): PendingEvent {
  return deepFreeze({
    ...registered({}),
    eventId: 'e-s1-2',
    type: 'DataSourceConfigUpdated',
    streamVersion: 2,
    data: { config: eventConfig(config) },
  });
}

function configOf(event: PendingEvent): Record<string, unknown> {
  return (event.data as { config: Record<string, unknown> }).config;
}

/** The event with its data's config changed by `change`, as someone with write access to the log might. */
function withConfig(
  event: PendingEvent,
  change: (config: Record<string, unknown>) => Record<string, unknown>,
): PendingEvent {
  const data = event.data as Record<string, unknown>;
  return { ...event, data: { ...data, config: change(configOf(event)) } };
}

describe('sealEventSecrets', () => {
  it('leaves no plaintext secret anywhere in the sealed event JSON', () => {
    const json = JSON.stringify(sealEventSecrets(registered(FULL_CONFIG), cipher));
    for (const secret of Object.values(SECRETS)) expect(json).not.toContain(secret);
    expect(json).not.toContain('cs-s3cr3t');
  });

  it('replaces each secret by { $sealed: token }, every oauthConfig value separately', () => {
    const config = configOf(sealEventSecrets(registered(FULL_CONFIG), cipher));
    for (const field of ['password', 'apiKey', 'connectionString']) {
      expect(isSealedValue(config[field])).toBe(true);
    }
    const oauth = config.oauthConfig as Record<string, unknown>;
    expect(Object.keys(oauth)).toEqual([
      'clientSecret',
      'refreshToken',
      'expiresIn',
      'scopes',
      'nested',
      'empty',
    ]);
    for (const value of Object.values(oauth)) expect(isSealedValue(value)).toBe(true);
  });

  it('keeps every field that is not a secret as it was', () => {
    const event = registered(FULL_CONFIG);
    const sealed = sealEventSecrets(event, cipher);
    const { password, apiKey, connectionString, oauthConfig, ...rest } = configOf(sealed);
    const {
      password: _p,
      apiKey: _a,
      connectionString: _c,
      oauthConfig: _o,
      ...before
    } = configOf(event);
    expect(rest).toEqual(before);
    expect({ ...sealed, data: null }).toEqual({ ...event, data: null });
  });

  it('seals the config of DataSourceConfigUpdated too', () => {
    const json = JSON.stringify(
      sealEventSecrets(configUpdated({ password: SECRETS.password }), cipher),
    );
    expect(json).not.toContain(SECRETS.password);
    expect(json).toContain(SEALED_KEY);
  });

  it('leaves null secrets null', () => {
    const config = configOf(sealEventSecrets(registered({ password: SECRETS.password }), cipher));
    expect(config.apiKey).toBeNull();
    expect(config.connectionString).toBeNull();
    expect(config.oauthConfig).toBeNull();
  });

  it('returns an event of another type as the same object', () => {
    const renamed: PendingEvent = {
      ...registered({}),
      type: 'DataSourceRenamed',
      data: { from: 'a', to: 'b' },
    };
    expect(sealEventSecrets(renamed, cipher)).toBe(renamed);
  });

  it('returns a config event without secrets as the same object', () => {
    const event = registered({ host: 'db.internal', username: 'app' });
    expect(sealEventSecrets(event, cipher)).toBe(event);
  });

  it('does not change the event it is given', () => {
    const event = registered(FULL_CONFIG);
    const before = JSON.stringify(event);
    sealEventSecrets(event, cipher);
    expect(JSON.stringify(event)).toBe(before);
  });
});

describe('openEventSecrets', () => {
  it('opens a sealed event back to exactly the original', () => {
    for (const event of [registered(FULL_CONFIG), configUpdated(FULL_CONFIG)]) {
      const opened = openEventSecrets(sealEventSecrets(event, cipher), cipher);
      expect(opened).toEqual(event);
      expect(JSON.stringify(opened)).toBe(JSON.stringify(event));
    }
  });

  it('returns non-string oauthConfig values with their JSON type', () => {
    const opened = openEventSecrets(sealEventSecrets(registered(FULL_CONFIG), cipher), cipher);
    const oauth = configOf(opened).oauthConfig as Record<string, unknown>;
    expect(oauth.expiresIn).toBe(3600);
    expect(oauth.scopes).toEqual(['read', 'write']);
    expect(oauth.nested).toEqual({ a: [1, null, true] });
    expect(oauth.empty).toBeNull();
  });

  it('round-trips a secret that is not well-formed UTF-16, which only input checks refuse', () => {
    const base = registered({});
    const config = {
      ...configOf(base),
      password: 'half a pair: \ud800',
      oauthConfig: { k: '\udfff' },
    };
    const event = deepFreeze({
      ...base,
      data: { ...(base.data as object), config },
    }) as typeof base;
    expect(openEventSecrets(sealEventSecrets(event, cipher), cipher)).toEqual(event);
  });

  it('hands out opened values frozen', () => {
    const opened = openEventSecrets(sealEventSecrets(registered(FULL_CONFIG), cipher), cipher);
    const oauth = configOf(opened).oauthConfig as Record<string, unknown>;
    expect(Object.isFrozen(opened)).toBe(true);
    expect(Object.isFrozen(configOf(opened))).toBe(true);
    expect(Object.isFrozen(oauth.nested)).toBe(true);
  });

  it('returns an event without secrets as the same object, even without a cipher', () => {
    const plain = registered({ host: 'db.internal', password: null });
    expect(openEventSecrets(plain, cipher)).toBe(plain);
    expect(openEventSecrets(plain, null)).toBe(plain);
    const deleted: PendingEvent = {
      ...plain,
      type: 'DataSourceDeleted',
      data: { reason: 'deleted' },
    };
    expect(openEventSecrets(deleted, null)).toBe(deleted);
  });

  it('fails with SECRET_UNAVAILABLE and says how to set a key when a secret is sealed and there is no cipher', () => {
    const sealed = sealEventSecrets(registered({ apiKey: SECRETS.apiKey }), cipher);
    const error = caught(() => openEventSecrets(sealed, null));
    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(error.sourceId).toBe('s1');
    expect(error.message).toContain('config.apiKey');
    expect(error.message).toContain(ENCRYPTION_KEY_ENV);
    expect(error.message).toContain('openssl rand -base64 32');
  });

  it('fails with SECRET_UNAVAILABLE under another key, naming the source and field but not the secret', () => {
    const sealed = sealEventSecrets(registered({ password: SECRETS.password }), cipher);
    const other = createSecretCipher(new Uint8Array(randomBytes(32)));
    const error = caught(() => openEventSecrets(sealed, other));
    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(error.message).toMatch(/^Cannot decrypt config\.password of data source s1: /);
    expect(error.details).toMatchObject({ eventId: 'e-s1-1', path: 'config.password' });
    expect(JSON.stringify(error.toDict())).not.toContain(SECRETS.password);
  });

  it('refuses a ciphertext moved to another source', () => {
    const fromS1 = configOf(sealEventSecrets(registered({ password: SECRETS.password }), cipher));
    const s2 = sealEventSecrets(registered({ password: 'other' }, { sourceId: 's2' }), cipher);
    const forged = withConfig(s2, (config) => ({ ...config, password: fromS1.password }));
    const error = caught(() => openEventSecrets(forged, cipher));
    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(error.sourceId).toBe('s2');
  });

  it('refuses a ciphertext moved to another tenant', () => {
    const sealed = sealEventSecrets(registered({ password: SECRETS.password }), cipher);
    const forged: PendingEvent = { ...sealed, tenantId: 't2' };
    expect(caught(() => openEventSecrets(forged, cipher)).code).toBe(ErrorCode.SECRET_UNAVAILABLE);
  });

  it('refuses a ciphertext moved to another field of the same source', () => {
    const sealed = sealEventSecrets(registered(FULL_CONFIG), cipher);
    const swapped = withConfig(sealed, (config) => ({
      ...config,
      password: config.apiKey,
      apiKey: config.password,
    }));
    const error = caught(() => openEventSecrets(swapped, cipher));
    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    const oauth = configOf(sealed).oauthConfig as Record<string, unknown>;
    const movedOauth = withConfig(sealed, (config) => ({
      ...config,
      oauthConfig: { ...oauth, clientSecret: oauth.refreshToken },
    }));
    expect(caught(() => openEventSecrets(movedOauth, cipher)).code).toBe(
      ErrorCode.SECRET_UNAVAILABLE,
    );
  });

  it('refuses a secret stored in plaintext as CORRUPT_LOG, naming its position but not its value', () => {
    const sealed = sealEventSecrets(registered({ password: SECRETS.password }), cipher);
    const mixed = {
      ...withConfig(sealed, (config) => ({ ...config, apiKey: 'plain' })),
      position: 7,
    };
    const error = caught(() => openEventSecrets(mixed, cipher));
    expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
    expect(error.details).toMatchObject({ position: 7, eventId: 'e-s1-1', path: 'config.apiKey' });
    expect(error.message).toContain('position 7');
    expect(JSON.stringify(error.toDict())).not.toContain('plain"');
  });

  it('refuses an oauthConfig value stored in plaintext, whatever its key', () => {
    const sealed = sealEventSecrets(registered({ oauthConfig: { clientId: 'app' } }), cipher);
    const plain = withConfig(sealed, (config) => ({
      ...config,
      oauthConfig: { ...(config.oauthConfig as object), scope: 'read' },
    }));
    const error = caught(() => openEventSecrets(plain, cipher));
    expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
    expect(error.details).toMatchObject({ path: 'config.oauthConfig.scope' });
  });

  it('keeps a null secret null', () => {
    const sealed = sealEventSecrets(registered({ oauthConfig: { clientId: 'app' } }), cipher);
    const withNull = withConfig(sealed, (config) => ({
      ...config,
      apiKey: null,
      oauthConfig: { ...(config.oauthConfig as object), refreshToken: null },
    }));
    const config = configOf(openEventSecrets(withNull, cipher));
    expect(config.apiKey).toBeNull();
    expect(config.oauthConfig).toEqual({ clientId: 'app', refreshToken: null });
  });
});

describe('isSealedValue', () => {
  it('accepts exactly an object with one string $sealed key', () => {
    expect(isSealedValue({ $sealed: 'v1:x' })).toBe(true);
    expect(isSealedValue({ $sealed: 1 })).toBe(false);
    expect(isSealedValue({ $sealed: 'v1:x', other: 1 })).toBe(false);
    expect(isSealedValue(['v1:x'])).toBe(false);
    expect(isSealedValue('v1:x')).toBe(false);
    expect(isSealedValue(null)).toBe(false);
  });
});
