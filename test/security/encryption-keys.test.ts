import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/domain/errors.js';
import { ENCRYPTION_KEY_ENV, resolveEncryptionKeys } from '../../src/security/encryption-key.js';
import { createKeyListCipher } from '../../src/security/key-list-cipher.js';
import { encryptionKeyId } from '../../src/security/secret-cipher.js';
import { caught } from '../support/given-when-then.js';

const NEW = new Uint8Array(randomBytes(32));
const OLD = new Uint8Array(randomBytes(32));
const b64 = (key: Uint8Array) => Buffer.from(key).toString('base64');

describe('resolveEncryptionKeys', () => {
  it('returns a list option in its order, current first', () => {
    expect(resolveEncryptionKeys([NEW, b64(OLD)], {})).toEqual([NEW, OLD]);
  });

  it('reads several comma-separated keys from DATASOURCE_REGISTRY_KEY', () => {
    const env = { [ENCRYPTION_KEY_ENV]: `${b64(NEW)}, ${b64(OLD)}` };
    expect(resolveEncryptionKeys(undefined, env)).toEqual([NEW, OLD]);
  });

  it('refuses an all-zero key given as bytes, as base64 or in the environment', () => {
    const zero = new Uint8Array(32);
    for (const run of [
      () => resolveEncryptionKeys(zero, {}),
      () => resolveEncryptionKeys(b64(zero), {}),
      () => resolveEncryptionKeys([NEW, zero], {}),
      () => resolveEncryptionKeys(undefined, { [ENCRYPTION_KEY_ENV]: `${b64(NEW)},${b64(zero)}` }),
    ]) {
      const error = caught(run);
      expect(error.code).toBe(ErrorCode.INVALID_INPUT);
      expect(error.message).toMatch(/all zero/);
    }
  });

  it('names the place in the list of a malformed key', () => {
    const error = caught(() => resolveEncryptionKeys([NEW, 'not a key!'], {}));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toContain('encryptionKey[1]');
  });

  it('names the place in the environment of a malformed key', () => {
    const env = { [ENCRYPTION_KEY_ENV]: `${b64(NEW)},,` };
    expect(caught(() => resolveEncryptionKeys(undefined, env)).message).toContain(
      `${ENCRYPTION_KEY_ENV}[1]`,
    );
  });

  it('refuses an empty list and a key listed twice', () => {
    expect(caught(() => resolveEncryptionKeys([], {})).code).toBe(ErrorCode.INVALID_INPUT);
    expect(caught(() => resolveEncryptionKeys([NEW, b64(NEW)], {})).message).toContain(
      'repeats a key',
    );
  });
});

describe('createKeyListCipher', () => {
  it('seals under the current key', () => {
    const token = createKeyListCipher([NEW, OLD]).seal('"pw"', 'aad');
    expect(token.split(':')[1]).toBe(encryptionKeyId(NEW));
  });

  it('opens what was sealed under any listed key', () => {
    const sealedOld = createKeyListCipher([OLD]).seal('"old"', 'aad');
    const sealedNew = createKeyListCipher([NEW]).seal('"new"', 'aad');
    const both = createKeyListCipher([NEW, OLD]);
    expect(both.open(sealedOld, 'aad')).toBe('"old"');
    expect(both.open(sealedNew, 'aad')).toBe('"new"');
  });

  it('says which key a token needs and which keys were given when none fits', () => {
    const stranger = new Uint8Array(randomBytes(32));
    const token = createKeyListCipher([stranger]).seal('"x"', 'aad');
    const error = caught(() => createKeyListCipher([NEW, OLD]).open(token, 'aad'));
    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(error.message).toContain(encryptionKeyId(stranger));
    expect(error.message).toContain(encryptionKeyId(OLD));
  });
});
