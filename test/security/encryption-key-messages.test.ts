/** What the messages for a bad `encryptionKey` option say: which option, and what is wrong. */
import { describe, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import { resolveEncryptionKey } from '../../src/security/encryption-key.js';

function refusal(option: unknown): DataSourceError {
  try {
    resolveEncryptionKey(option as string, {});
  } catch (error) {
    expect(error).toBeInstanceOf(DataSourceError);
    const refused = error as DataSourceError;
    expect(refused.code).toBe(ErrorCode.INVALID_INPUT);
    return refused;
  }
  throw new Error('expected the option to be refused');
}

describe('a bad encryptionKey option', () => {
  it('of only whitespace is called empty, not "not base64"', () => {
    const error = refusal('   ');
    expect(error.message).toBe('Invalid encryptionKey: must not be empty');
    expect(error.details).toEqual({
      issues: [{ path: 'encryptionKey', message: 'must not be empty' }],
    });
  });

  it('that is a string of the wrong length names the option', () => {
    const error = refusal(Buffer.alloc(16).toString('base64'));
    expect(error.message).toMatch(/^Invalid encryptionKey: /);
    expect(error.details).toEqual({
      issues: [{ path: 'encryptionKey', message: expect.any(String) }],
    });
  });

  it('that is neither bytes nor a string says what it must be', () => {
    const error = refusal(42);
    expect(error.message).toBe(
      'Invalid encryptionKey: must be a Uint8Array of 32 bytes or their base64',
    );
  });
});
