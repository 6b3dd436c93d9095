/**
 * What `open` says when it refuses a token: which kind of refusal, what it
 * echoes of the token (only what is plausibly harmless) and the details a
 * caller can branch on.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import { createSecretCipher, encryptionKeyId } from '../../src/security/secret-cipher.js';

const KEY = new Uint8Array(randomBytes(32));
const OTHER_KEY = new Uint8Array(randomBytes(32));
const AAD = '["t1","s1","config","password"]';
const cipher = createSecretCipher(KEY);

function refusal(token: string): DataSourceError {
  try {
    cipher.open(token, AAD);
  } catch (error) {
    expect(error).toBeInstanceOf(DataSourceError);
    const refused = error as DataSourceError;
    expect(refused.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    return refused;
  }
  throw new Error('expected the token to be refused');
}

/** The fields of a fresh token, to build altered ones from. */
function fields() {
  const [version = '', keyId = '', iv = '', tag = '', ciphertext = ''] = cipher
    .seal('hunter2', AAD)
    .split(':');
  return { version, keyId, iv, tag, ciphertext };
}

function token(parts: ReturnType<typeof fields>): string {
  return [parts.version, parts.keyId, parts.iv, parts.tag, parts.ciphertext].join(':');
}

describe('opening a malformed token', () => {
  it('calls an IV of the wrong length malformed, not an authentication failure', () => {
    const parts = fields();
    const error = refusal(token({ ...parts, iv: Buffer.alloc(8).toString('base64url') }));
    expect(error.message).toBe('Cannot decrypt the secret: the sealed value is malformed');
    expect(error.details).toEqual({ reason: 'the sealed value is malformed' });
  });

  it('calls a tag of the wrong length malformed', () => {
    const parts = fields();
    const error = refusal(token({ ...parts, tag: Buffer.alloc(12).toString('base64url') }));
    expect(error.details).toEqual({ reason: 'the sealed value is malformed' });
  });

  it('calls a ciphertext with characters outside base64url malformed', () => {
    const parts = fields();
    const error = refusal(token({ ...parts, ciphertext: `${parts.ciphertext}+/` }));
    expect(error.details).toEqual({ reason: 'the sealed value is malformed' });
  });

  it('calls a token with the wrong number of fields malformed', () => {
    expect(refusal('v1:abc').details).toEqual({ reason: 'the sealed value is malformed' });
  });
});

describe('opening a token of an unknown version', () => {
  it('echoes a version of the form v<digits>', () => {
    const error = refusal(token({ ...fields(), version: 'v12' }));
    expect(error.message).toContain('unknown format version "v12"');
  });

  it('does not echo a version that only starts or ends like one', () => {
    for (const version of ['v2junk', 'junkv2', 'v1234567']) {
      const error = refusal(token({ ...fields(), version }));
      expect(error.message).toBe(
        'Cannot decrypt the secret: the sealed value has an unknown format version',
      );
      expect(error.message).not.toContain(version);
    }
  });
});

describe('opening a token sealed under another key', () => {
  it('names both key ids in the details', () => {
    const sealed = createSecretCipher(OTHER_KEY).seal('hunter2', AAD);
    const error = refusal(sealed);
    expect(error.details).toEqual({
      reason: expect.stringContaining('pass the key it was written with'),
      keyId: encryptionKeyId(OTHER_KEY),
      givenKeyId: cipher.keyId,
    });
  });

  it('shows a key id that is not 16 hex digits as unknown', () => {
    for (const keyId of ['not-a-key-id', `x${cipher.keyId.slice(1)}0`, `${cipher.keyId}00`]) {
      const error = refusal(token({ ...fields(), keyId }));
      expect(error.message).toContain('encrypted under key unknown,');
      expect(error.details).toMatchObject({ keyId: 'unknown', givenKeyId: cipher.keyId });
    }
  });
});

describe('opening an altered token', () => {
  it('gives the key id it tried in the details', () => {
    const parts = fields();
    const altered = token({ ...parts, ciphertext: Buffer.from('tampered').toString('base64url') });
    expect(refusal(altered).details).toEqual({
      reason: 'it fails authentication: it was altered or moved from another source or field',
      keyId: cipher.keyId,
    });
  });
});

describe('making a cipher', () => {
  it('says how long the key must be and how long it is', () => {
    expect(() => createSecretCipher(new Uint8Array(16))).toThrow(
      'Invalid encryption key: must be 32 bytes; it is 16 bytes',
    );
  });
});
