import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/domain/config.js';
import { deepFreeze } from '../../src/domain/freeze.js';
import { SECRET_MASK } from '../../src/domain/secrets.js';
import { openEventSecrets, sealEventSecrets } from '../../src/security/event-secrets.js';
import { redactEvent } from '../../src/security/redact.js';
import { createSecretCipher } from '../../src/security/secret-cipher.js';
import type { PendingEvent } from '../../src/store/event-store.js';
import { storableJson, storableKey } from '../support/arbitraries.js';

const cipher = createSecretCipher(new Uint8Array(randomBytes(32)));

// Long enough that finding one in the sealed JSON by chance is out of the
// question; any well-formed text, astral and combining characters included.
const secretText = fc.string({ unit: 'grapheme', minLength: 12, maxLength: 40 });

const configInput = fc.record({
  password: fc.option(secretText),
  apiKey: fc.option(secretText),
  connectionString: fc.option(secretText),
  oauthConfig: fc.option(
    fc.record({
      texts: fc.dictionary(storableKey(), secretText, { maxKeys: 4 }),
      others: fc.dictionary(storableKey(), storableJson(), { maxKeys: 3 }),
    }),
  ),
  host: fc.option(fc.domain()),
});

const envelope = fc.record({
  sourceId: fc.string({ minLength: 1, maxLength: 20 }),
  tenantId: fc.string({ minLength: 1, maxLength: 20 }),
  type: fc.constantFrom('DataSourceRegistered', 'DataSourceConfigUpdated'),
});

interface Case {
  readonly event: PendingEvent;
  /** Every secret string the event holds. */
  readonly secrets: readonly string[];
}

const inputs = fc.tuple(configInput, envelope);
type Generated = typeof inputs extends fc.Arbitrary<infer T> ? T : never;

/**
 * Builds the event inside the property, not in a generator's map: should
 * building ever throw, fast-check then reports the seed and path that
 * reproduce it instead of a bare error.
 */
function caseOf([input, { sourceId, tenantId, type }]: Generated): Case {
  // Prefixed so a text value and a JSON value never share a key.
  const oauthConfig =
    input.oauthConfig === null
      ? null
      : {
          ...Object.fromEntries(
            Object.entries(input.oauthConfig.texts).map(([k, v]) => [`t.${k}`, v]),
          ),
          ...Object.fromEntries(
            Object.entries(input.oauthConfig.others).map(([k, v]) => [`o.${k}`, v]),
          ),
        };
  const config = parseConfig({ ...input, oauthConfig });
  const data =
    type === 'DataSourceConfigUpdated'
      ? { config }
      : {
          name: 'Orders',
          sourceType: 'database',
          config,
          description: null,
          tags: [],
          metadata: {},
          accessRoles: [],
          ownerId: null,
        };
  const event: PendingEvent = deepFreeze({
    eventId: 'e-1',
    type,
    schemaVersion: 1,
    sourceId,
    tenantId,
    streamVersion: 1,
    occurredAt: '2024-05-01T12:00:00.000Z',
    data,
    metadata: {},
  });
  const secrets = [
    input.password,
    input.apiKey,
    input.connectionString,
    ...Object.values(input.oauthConfig?.texts ?? {}),
  ].filter((secret): secret is string => secret !== null);
  return { event, secrets };
}

/** How a string appears inside JSON text. */
const inJson = (text: string) => JSON.stringify(text).slice(1, -1);

/** The event's JSON with every secret taken out: what must hold no secret by construction. */
function withoutSecrets(event: PendingEvent): string {
  return JSON.stringify(redactEvent(event));
}

describe('sealing event secrets, for any config', () => {
  it('opens back to exactly the event it sealed', () => {
    fc.assert(
      fc.property(inputs, (generated) => {
        const { event } = caseOf(generated);
        const opened = openEventSecrets(sealEventSecrets(event, cipher), cipher);
        expect(opened).toEqual(event);
        expect(JSON.stringify(opened)).toBe(JSON.stringify(event));
      }),
    );
  });

  it('never leaves a secret in the sealed JSON', () => {
    fc.assert(
      fc.property(inputs, (generated) => {
        const { event, secrets } = caseOf(generated);
        // A secret that happens to spell part of the envelope or a key proves nothing.
        const visible = withoutSecrets(event);
        const json = JSON.stringify(sealEventSecrets(event, cipher));
        for (const secret of secrets) {
          if (visible.includes(inJson(secret))) continue;
          expect(json).not.toContain(inJson(secret));
        }
      }),
    );
  });

  it('redacts every secret it would seal', () => {
    fc.assert(
      fc.property(inputs, (generated) => {
        const { event, secrets } = caseOf(generated);
        const redacted = redactEvent(event);
        const config = (redacted.data as { config: Record<string, unknown> }).config;
        for (const field of ['password', 'apiKey', 'connectionString']) {
          expect([null, SECRET_MASK]).toContain(config[field]);
        }
        const oauth = config.oauthConfig as Record<string, unknown> | null;
        for (const value of Object.values(oauth ?? {})) expect(value).toBe(SECRET_MASK);
        if (secrets.length === 0 && Object.keys(oauth ?? {}).length === 0) {
          expect(redacted).toBe(event);
        }
      }),
    );
  });
});
