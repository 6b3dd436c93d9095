import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type JsonObject, jsonEqual } from '../../src/domain/json.js';
import { setSecrets } from '../../src/domain/secret-fingerprints.js';
import { DataSourceRegistry } from '../../src/index.js';
import { storableJson, storableKey } from '../support/arbitraries.js';
import { propertyRuns } from '../support/property-runs.js';
import { databaseInput } from '../support/registry-fixtures.js';

// A few values drawn again and again, so that shared secrets are frequent,
// beside any text and any JSON an oauthConfig may hold.
const pooled = fc.constantFrom('alpha', 'beta', 'Alpha', '1', '');
const secretValue = fc.oneof(pooled, fc.string({ unit: 'grapheme', maxLength: 12 }));
const oauthValue = fc.oneof(secretValue, storableJson(), fc.constant(1));

const config = fc.record({
  password: fc.option(secretValue),
  apiKey: fc.option(secretValue),
  connectionString: fc.option(secretValue),
  oauthConfig: fc.option(
    fc.dictionary(storableKey(), oauthValue, { maxKeys: 3 }).map((oauth) => oauth as JsonObject),
  ),
});

describe('secret fingerprints over random configs', () => {
  it('are equal exactly when the secrets are equal, within one key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(config, { minLength: 1, maxLength: 4 }), async (configs) => {
        const registry = new DataSourceRegistry({ encryptionKey: randomBytes(32) });
        const seen: { value: unknown; fingerprint: string | undefined }[] = [];
        for (const [i, input] of configs.entries()) {
          const source = await registry.register(databaseInput({ name: `s${i}`, config: input }));
          for (const [name, value] of setSecrets(source.config)) {
            seen.push({ value, fingerprint: source.secretFingerprints[name] });
          }
          expect(Object.keys(source.secretFingerprints)).toHaveLength(
            setSecrets(source.config).length,
          );
        }
        await registry.close();
        for (const a of seen) {
          for (const b of seen) {
            expect(a.fingerprint === b.fingerprint).toBe(jsonEqual(a.value, b.value));
          }
        }
      }),
      { numRuns: propertyRuns(150) },
    );
  });
});
