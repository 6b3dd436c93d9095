import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataSourceConfig, type DataSourceConfigInput } from '../../src/domain/config.js';
import type { DataSourceEvent } from '../../src/domain/events.js';
import { deepFreeze } from '../../src/domain/freeze.js';
import { SECRET_MASK } from '../../src/domain/secrets.js';
import { sealEventSecrets } from '../../src/security/event-secrets.js';
import { redactEvent } from '../../src/security/redact.js';
import { createSecretCipher } from '../../src/security/secret-cipher.js';
import type { PendingEvent } from '../../src/store/event-store.js';
import { registrationWith } from '../support/plain.js';

function registered(config: DataSourceConfigInput): PendingEvent {
  return deepFreeze(registrationWith(DataSourceConfig.create(config)));
}

function configOf(event: PendingEvent): Record<string, unknown> {
  return (event.data as { config: Record<string, unknown> }).config;
}

const FULL: DataSourceConfigInput = {
  host: 'db.internal',
  port: 5432,
  username: 'app',
  password: 'pw-secret',
  apiKey: 'ak-secret',
  connectionString: 'postgres://app:cs-secret@db/orders',
  oauthConfig: { clientId: 'id-secret', clientSecret: 'cl-secret', expiresIn: 3600, extra: null },
};

describe('redactEvent', () => {
  it('masks password, apiKey, connectionString and each oauthConfig value, keeping the oauthConfig keys', () => {
    const config = configOf(redactEvent(registered(FULL)));
    expect(config.password).toBe(SECRET_MASK);
    expect(config.apiKey).toBe(SECRET_MASK);
    expect(config.connectionString).toBe(SECRET_MASK);
    expect(config.oauthConfig).toEqual({
      clientId: SECRET_MASK,
      clientSecret: SECRET_MASK,
      expiresIn: SECRET_MASK,
      extra: SECRET_MASK,
    });
  });

  it('leaves no secret in the redacted event JSON', () => {
    const json = JSON.stringify(redactEvent(registered(FULL)));
    for (const secret of [
      'pw-secret',
      'ak-secret',
      'cs-secret',
      'id-secret',
      'cl-secret',
      '3600',
    ]) {
      expect(json).not.toContain(secret);
    }
  });

  it('masks an oauthConfig the way DataSourceConfig.masked does', () => {
    const event = registered(FULL);
    expect(configOf(redactEvent(event))).toEqual(
      DataSourceConfig.masked(configOf(event) as unknown as DataSourceConfig),
    );
  });

  it('leaves null secrets and a null oauthConfig null', () => {
    const config = configOf(redactEvent(registered({ password: 'pw-secret' })));
    expect(config.password).toBe(SECRET_MASK);
    expect(config.apiKey).toBeNull();
    expect(config.connectionString).toBeNull();
    expect(config.oauthConfig).toBeNull();
  });

  it('keeps every field that is not a secret', () => {
    const config = configOf(redactEvent(registered(FULL)));
    expect(config).toMatchObject({ host: 'db.internal', port: 5432, username: 'app', poolSize: 5 });
  });

  it('masks a DataSourceConfigUpdated event too', () => {
    const event: PendingEvent = {
      ...registered({}),
      type: 'DataSourceConfigUpdated',
      data: { config: DataSourceConfig.create({ apiKey: 'ak-secret' }) },
    };
    expect(configOf(redactEvent(event)).apiKey).toBe(SECRET_MASK);
  });

  it('masks sealed secrets as well, so a raw stored event can be shown', () => {
    const cipher = createSecretCipher(new Uint8Array(randomBytes(32)));
    const config = configOf(redactEvent(sealEventSecrets(registered(FULL), cipher)));
    expect(config.password).toBe(SECRET_MASK);
    expect(JSON.stringify(config)).not.toContain('$sealed');
  });

  it('takes and gives back a typed DataSourceEvent, as listeners and history get it', () => {
    const event: DataSourceEvent = {
      eventId: 'e-s1-2',
      type: 'DataSourceConfigUpdated',
      schemaVersion: 1,
      sourceId: 's1',
      tenantId: 't1',
      streamVersion: 2,
      position: 7,
      occurredAt: '2024-05-01T12:00:00.000Z',
      data: { config: DataSourceConfig.create({ password: 'pw-secret' }) },
      metadata: { actor: 'alice' },
    };
    const redacted: DataSourceEvent = redactEvent(event);
    expect(redacted.type === 'DataSourceConfigUpdated' && redacted.data.config.password).toBe(
      SECRET_MASK,
    );
    expect(redacted.position).toBe(7);
  });

  it('returns an event of another type as the same object', () => {
    const tagged: PendingEvent = {
      ...registered({}),
      type: 'TagAdded',
      data: { tag: 'pw-secret' },
    };
    expect(redactEvent(tagged)).toBe(tagged);
  });

  it('returns a config event without secrets as the same object', () => {
    const event = registered({ host: 'db.internal' });
    expect(redactEvent(event)).toBe(event);
  });

  it('does not change the event it is given', () => {
    const event = registered(FULL);
    const before = JSON.stringify(event);
    redactEvent(event);
    expect(JSON.stringify(event)).toBe(before);
    expect(configOf(event).password).toBe('pw-secret');
  });
});
