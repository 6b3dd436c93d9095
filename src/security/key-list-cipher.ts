import { DataSourceError, ErrorCode, invalidValue } from '../domain/errors.js';
import { createSecretCipher, type SecretCipher } from './secret-cipher.js';

/** A cipher over several keys: the current one seals, any of them opens. */
export interface KeyListCipher extends SecretCipher {
  /** Every key's id, current first. */
  readonly keyIds: readonly string[];
}

/**
 * One cipher for a rotation window: `seal` uses the first key (the current
 * one), `open` picks the key the token names, so secrets sealed under an
 * older key stay readable while the log moves to the new one.
 *
 * @param keys - 32 bytes each, current first; at least one.
 * @throws DataSourceError INVALID_INPUT when the list is empty or a key is not 32 bytes.
 */
export function createKeyListCipher(keys: readonly Uint8Array[]): KeyListCipher {
  const ciphers = keys.map((key) => createSecretCipher(key));
  const [first] = ciphers;
  if (first === undefined) {
    throw invalidValue(
      'Invalid encryption keys: at least one key is needed',
      'encryptionKey',
      'at least one key is needed',
    );
  }
  const current: SecretCipher = first;
  const byId = new Map(ciphers.map((cipher) => [cipher.keyId, cipher]));
  const keyIds = Object.freeze(ciphers.map((cipher) => cipher.keyId));

  function open(token: string, aad: string): string {
    // A token names its key in its second field; an unknown or malformed one
    // goes to the current key, whose error says what is wrong with the token.
    const named = byId.get(token.split(':', 3)[1] ?? '');
    if (named !== undefined || ciphers.length === 1) return (named ?? current).open(token, aad);
    try {
      return current.open(token, aad);
    } catch (error) {
      if (!(error instanceof DataSourceError) || typeof error.details?.keyId !== 'string') {
        throw error;
      }
      const reason = `it was encrypted under key ${error.details.keyId}, and the keys given are ${keyIds.join(', ')}; pass the key it was written with`;
      throw new DataSourceError(`Cannot decrypt the secret: ${reason}`, {
        code: ErrorCode.SECRET_UNAVAILABLE,
        details: { reason, keyId: error.details.keyId, givenKeyIds: keyIds },
      });
    }
  }

  return Object.freeze({ keyId: current.keyId, keyIds, seal: current.seal, open });
}
