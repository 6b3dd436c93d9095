import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import { createSecretCipher, encryptionKeyId } from '../../src/security/secret-cipher.js';
import { caught } from '../support/given-when-then.js';

const KEY = new Uint8Array(randomBytes(32));
const AAD = '["t1","s1","config","password"]';
const SECRET = 'hunter2-correct-horse';

/** The error must not leak what it protects. */
function expectNoLeak(error: DataSourceError, key: Uint8Array = KEY): void {
  const shown = `${error.message} ${JSON.stringify(error.toDict())}`;
  expect(shown).not.toContain(SECRET);
  expect(shown).not.toContain(Buffer.from(key).toString('base64'));
  expect(shown).not.toContain(Buffer.from(key).toString('hex'));
}

/** The token with one character of its `index`-th field changed. */
function tamper(token: string, index: number): string {
  const parts = token.split(':');
  const part = parts[index] ?? '';
  const first = part[0] === 'A' ? 'B' : 'A';
  parts[index] = `${first}${part.slice(1)}`;
  return parts.join(':');
}

describe('createSecretCipher', () => {
  it('opens what it sealed', () => {
    const cipher = createSecretCipher(KEY);
    for (const text of [SECRET, '', 'pässwörd ✓ 🔑', 'x'.repeat(10_000)]) {
      expect(cipher.open(cipher.seal(text, AAD), AAD)).toBe(text);
    }
  });

  it('writes tokens as v1:<keyId>:<iv>:<tag>:<ciphertext> in base64url', () => {
    const cipher = createSecretCipher(KEY);
    const token = cipher.seal(SECRET, AAD);
    expect(token).toMatch(/^v1:[0-9a-f]{16}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
    expect(token.split(':')[1]).toBe(cipher.keyId);
    expect(cipher.keyId).toBe(encryptionKeyId(KEY));
  });

  it('does not put the plaintext in the token', () => {
    const token = createSecretCipher(KEY).seal(SECRET, AAD);
    expect(token).not.toContain(SECRET);
    expect(Buffer.from(token.split(':')[4] ?? '', 'base64url').toString('utf8')).not.toContain(
      SECRET,
    );
  });

  it('uses a different IV each time, so the same secret seals to different tokens', () => {
    const cipher = createSecretCipher(KEY);
    const tokens = Array.from({ length: 50 }, () => cipher.seal(SECRET, AAD));
    expect(new Set(tokens.map((token) => token.split(':')[2])).size).toBe(50);
    expect(new Set(tokens).size).toBe(50);
  });

  it('gives every key its own stable key id', () => {
    const other = new Uint8Array(randomBytes(32));
    expect(encryptionKeyId(KEY)).toBe(encryptionKeyId(new Uint8Array(KEY)));
    expect(encryptionKeyId(KEY)).not.toBe(encryptionKeyId(other));
  });

  it('keeps working when the caller changes its key array afterwards', () => {
    const key = new Uint8Array(KEY);
    const cipher = createSecretCipher(key);
    const token = cipher.seal(SECRET, AAD);
    key.fill(0);
    expect(cipher.open(token, AAD)).toBe(SECRET);
  });

  it('fails with SECRET_UNAVAILABLE under another key, naming both key ids and not the secret', () => {
    const token = createSecretCipher(KEY).seal(SECRET, AAD);
    const otherKey = new Uint8Array(randomBytes(32));
    const error = caught(() => createSecretCipher(otherKey).open(token, AAD));
    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(error.message).toContain(encryptionKeyId(KEY));
    expect(error.message).toContain(encryptionKeyId(otherKey));
    expectNoLeak(error);
    expectNoLeak(error, otherKey);
  });

  it('fails with SECRET_UNAVAILABLE when the ciphertext, the tag or the IV was altered', () => {
    const cipher = createSecretCipher(KEY);
    const token = cipher.seal(SECRET, AAD);
    for (const index of [2, 3, 4]) {
      const error = caught(() => cipher.open(tamper(token, index), AAD));
      expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
      expectNoLeak(error);
    }
  });

  it('fails with SECRET_UNAVAILABLE when opened with another aad', () => {
    const cipher = createSecretCipher(KEY);
    const token = cipher.seal(SECRET, AAD);
    const error = caught(() => cipher.open(token, '["t1","s2","config","password"]'));
    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(error.message).toContain('altered or moved');
    expectNoLeak(error);
  });

  it('fails with SECRET_UNAVAILABLE on a malformed token', () => {
    const cipher = createSecretCipher(KEY);
    const token = cipher.seal(SECRET, AAD);
    const [version, keyId, iv, tag] = token.split(':');
    for (const bad of [
      '',
      SECRET,
      token.split(':').slice(0, 4).join(':'),
      `${token}:extra`,
      `${version}:${keyId}:${iv}x:${tag}:AAAA`,
      `${version}:${keyId}:${iv}:${tag}:not base64!`,
    ]) {
      const error = caught(() => cipher.open(bad, AAD));
      expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
      expect(error.message).not.toContain(SECRET);
    }
  });

  it('fails with SECRET_UNAVAILABLE on a token of an unknown version', () => {
    const cipher = createSecretCipher(KEY);
    const token = cipher.seal(SECRET, AAD).replace(/^v1:/, 'v2:');
    const error = caught(() => cipher.open(token, AAD));
    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(error.message).toContain('"v2"');
  });

  it('refuses a key that is not 32 bytes with INVALID_INPUT', () => {
    for (const length of [0, 16, 31, 33, 64]) {
      const error = caught(() => createSecretCipher(new Uint8Array(length)));
      expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    }
  });
});
