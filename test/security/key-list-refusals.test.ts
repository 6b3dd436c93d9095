import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/domain/errors.js';
import { createKeyListCipher } from '../../src/security/key-list-cipher.js';
import { encryptionKeyId } from '../../src/security/secret-cipher.js';
import { detailsOf } from '../support/error-details.js';
import { failsWith } from '../support/registry-fixtures.js';

// The refusals of a cipher over several master keys, in the words and
// details a caller gets.

const NEW = new Uint8Array(randomBytes(32));
const OLD = new Uint8Array(randomBytes(32));
const STRANGER = new Uint8Array(randomBytes(32));

describe('a cipher over several master keys', () => {
  it('refuses an empty list with INVALID_INPUT', async () => {
    const error = await failsWith(() => createKeyListCipher([]), ErrorCode.INVALID_INPUT);
    expect(error.message).toBe('Invalid encryption keys: at least one key is needed');
    expect(detailsOf(error).issues).toEqual([
      { path: 'encryptionKey', message: 'at least one key is needed' },
    ]);
  });

  it('names the key a token needs and every key it was given, current first', async () => {
    const token = createKeyListCipher([STRANGER]).seal('x', 'aad');
    const keyIds = [encryptionKeyId(NEW), encryptionKeyId(OLD)];
    const reason = `it was encrypted under key ${encryptionKeyId(STRANGER)}, and the keys given are ${keyIds.join(', ')}; pass the key it was written with`;

    const error = await failsWith(
      () => createKeyListCipher([NEW, OLD]).open(token, 'aad'),
      ErrorCode.SECRET_UNAVAILABLE,
    );

    expect(error.message).toBe(`Cannot decrypt the secret: ${reason}`);
    expect(detailsOf(error)).toEqual({
      reason,
      keyId: encryptionKeyId(STRANGER),
      givenKeyIds: keyIds,
    });
  });

  it('leaves the one key’s own refusal as it is when it holds one key', async () => {
    const token = createKeyListCipher([STRANGER]).seal('x', 'aad');
    const error = await failsWith(
      () => createKeyListCipher([NEW]).open(token, 'aad'),
      ErrorCode.SECRET_UNAVAILABLE,
    );
    expect(detailsOf(error)).toMatchObject({ givenKeyId: encryptionKeyId(NEW) });
    expect(detailsOf(error)).not.toHaveProperty('givenKeyIds');
  });

  it('passes on the refusal of a token no key could have made', async () => {
    const error = await failsWith(
      () => createKeyListCipher([NEW, OLD]).open('not a token', 'aad'),
      ErrorCode.SECRET_UNAVAILABLE,
    );
    expect(error.message).toBe('Cannot decrypt the secret: the sealed value is malformed');
  });

  it('opens with the key a token names, not only the current one', () => {
    const token = createKeyListCipher([OLD]).seal('old secret', 'aad');
    expect(createKeyListCipher([NEW, OLD]).open(token, 'aad')).toBe('old secret');
    expect(createKeyListCipher([OLD, NEW]).open(token, 'aad')).toBe('old secret');
  });
});
