import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataSourceConfig } from '../../src/domain/config.js';
import {
  createSecretFingerprinter,
  fingerprintConfig,
  fingerprintKeyOf,
} from '../../src/security/secret-fingerprints.js';

const key = randomBytes(32);
const SECRET = 'correct horse battery staple';

describe('a secret fingerprint', () => {
  it('is 16 hex digits', () => {
    expect(createSecretFingerprinter(key)(SECRET)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is the same for the same secret under the same key', () => {
    expect(createSecretFingerprinter(key)(SECRET)).toBe(createSecretFingerprinter(key)(SECRET));
  });

  it('differs under another key', () => {
    const other = randomBytes(32);
    expect(createSecretFingerprinter(key)(SECRET)).not.toBe(
      createSecretFingerprinter(other)(SECRET),
    );
  });

  it('is no prefix of the unkeyed SHA-256 of the secret', () => {
    const unkeyed = createHash('sha256').update(SECRET).digest('hex');

    expect(unkeyed.startsWith(createSecretFingerprinter(key)(SECRET))).toBe(false);
  });

  it('is no prefix of an HMAC under the master key itself', () => {
    const underMaster = createHmac('sha256', key).update(SECRET).digest('hex');

    expect(underMaster.startsWith(createSecretFingerprinter(key)(SECRET))).toBe(false);
  });

  it('is made under a key derived from the master key, which is not the master key', () => {
    const derived = fingerprintKeyOf(key);

    expect(derived).toHaveLength(32);
    expect(Buffer.from(derived).equals(key)).toBe(false);
    expect(Buffer.from(fingerprintKeyOf(key)).equals(derived)).toBe(true);
  });

  it('tells the string "1" from the number 1', () => {
    const fingerprint = createSecretFingerprinter(key);

    expect(fingerprint('1')).not.toBe(fingerprint(1));
  });

  it('is the same for JSON values that differ only in key order', () => {
    const fingerprint = createSecretFingerprinter(key);

    expect(fingerprint({ a: 1, b: [2] })).toBe(fingerprint({ b: [2], a: 1 }));
  });

  it('without a master key is stable within one fingerprinter, and differs between two', () => {
    const one = createSecretFingerprinter(null);
    const two = createSecretFingerprinter(null);

    expect(one(SECRET)).toBe(one(SECRET));
    expect(one(SECRET)).not.toBe(two(SECRET));
  });
});

describe('the fingerprints of a config', () => {
  const fingerprint = createSecretFingerprinter(key);

  it('keeps the fingerprint a secret had before when it is unchanged, whatever the key now', () => {
    const config = DataSourceConfig.create({ password: SECRET, apiKey: 'new' });
    const before = { config, secretFingerprints: { password: 'aaaaaaaaaaaaaaaa' } };

    const fingerprints = fingerprintConfig(config, fingerprint, before);

    expect(fingerprints).toEqual({ password: 'aaaaaaaaaaaaaaaa', apiKey: fingerprint('new') });
  });

  it('fingerprints a secret anew when it changed', () => {
    const before = {
      config: DataSourceConfig.create({ password: 'old' }),
      secretFingerprints: { password: 'aaaaaaaaaaaaaaaa' },
    };

    const fingerprints = fingerprintConfig(
      DataSourceConfig.create({ password: SECRET }),
      fingerprint,
      before,
    );

    expect(fingerprints).toEqual({ password: fingerprint(SECRET) });
  });

  it('fingerprints a secret that moved to another field anew under that field', () => {
    const before = {
      config: DataSourceConfig.create({ password: SECRET }),
      secretFingerprints: { password: 'aaaaaaaaaaaaaaaa' },
    };

    const fingerprints = fingerprintConfig(
      DataSourceConfig.create({ apiKey: SECRET }),
      fingerprint,
      before,
    );

    expect(fingerprints).toEqual({ apiKey: fingerprint(SECRET) });
  });
});
