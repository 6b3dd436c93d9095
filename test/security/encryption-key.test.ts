import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/domain/errors.js';
import {
  ENCRYPTION_KEY_ENV,
  missingEncryptionKey,
  resolveEncryptionKey,
} from '../../src/security/encryption-key.js';
import { caught } from '../support/given-when-then.js';

const KEY = new Uint8Array(randomBytes(32));
const KEY_B64 = Buffer.from(KEY).toString('base64');

describe('resolveEncryptionKey', () => {
  it('returns a copy of a 32-byte Uint8Array option', () => {
    const option = new Uint8Array(KEY);
    const key = resolveEncryptionKey(option, {});
    expect(key).toEqual(KEY);
    option.fill(0);
    expect(key).toEqual(KEY);
  });

  it('accepts a Buffer option, which is a Uint8Array', () => {
    expect(resolveEncryptionKey(Buffer.from(KEY), {})).toEqual(KEY);
  });

  it('decodes a base64 option of 32 bytes, padded or not, url-safe or not, with surrounding whitespace', () => {
    const url = Buffer.from(KEY).toString('base64url');
    for (const text of [KEY_B64, KEY_B64.replace(/=+$/, ''), url, `  ${KEY_B64}\n`]) {
      expect(resolveEncryptionKey(text, {})).toEqual(KEY);
    }
  });

  it('reads DATASOURCE_REGISTRY_KEY as base64 when no option is given', () => {
    expect(resolveEncryptionKey(undefined, { [ENCRYPTION_KEY_ENV]: KEY_B64 })).toEqual(KEY);
  });

  it('treats a null option as not given', () => {
    expect(resolveEncryptionKey(null, { [ENCRYPTION_KEY_ENV]: KEY_B64 })).toEqual(KEY);
  });

  it('prefers the option over the environment', () => {
    const other = Buffer.from(randomBytes(32)).toString('base64');
    expect(resolveEncryptionKey(KEY, { [ENCRYPTION_KEY_ENV]: other })).toEqual(KEY);
  });

  it('returns null when neither the option nor the environment variable is set', () => {
    expect(resolveEncryptionKey(undefined, {})).toBeNull();
  });

  it('treats an empty environment variable as unset', () => {
    expect(resolveEncryptionKey(undefined, { [ENCRYPTION_KEY_ENV]: '' })).toBeNull();
    expect(resolveEncryptionKey(undefined, { [ENCRYPTION_KEY_ENV]: '  ' })).toBeNull();
  });

  it('rejects a byte option of the wrong length with INVALID_INPUT naming the option', () => {
    const error = caught(() => resolveEncryptionKey(new Uint8Array(16), {}));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toContain('encryptionKey');
    expect(error.message).toContain('32 bytes');
    expect(error.message).toContain('16 bytes');
  });

  it('rejects base64 of the wrong length without echoing the key', () => {
    const short = Buffer.from(randomBytes(24)).toString('base64');
    const error = caught(() => resolveEncryptionKey(short, {}));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toContain('24 bytes');
    expect(error.message).not.toContain(short);
    expect(JSON.stringify(error.toDict())).not.toContain(short);
  });

  it('rejects a string that is not base64 without echoing it', () => {
    const text = 'not a key! but secret-looking';
    const error = caught(() => resolveEncryptionKey(text, {}));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toContain('not base64');
    expect(JSON.stringify(error.toDict())).not.toContain(text);
  });

  it('rejects an empty string option', () => {
    expect(caught(() => resolveEncryptionKey('', {})).code).toBe(ErrorCode.INVALID_INPUT);
  });

  it('rejects a bad environment variable with INVALID_INPUT naming the variable', () => {
    const bad = Buffer.from(randomBytes(31)).toString('base64');
    const error = caught(() => resolveEncryptionKey(undefined, { [ENCRYPTION_KEY_ENV]: bad }));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toContain(ENCRYPTION_KEY_ENV);
    expect(error.message).not.toContain(bad);
    expect(error.details).toEqual({
      issues: [{ path: ENCRYPTION_KEY_ENV, message: expect.any(String) }],
    });
  });

  it('rejects an option that is neither bytes nor a string', () => {
    const option = 42 as unknown as string;
    expect(caught(() => resolveEncryptionKey(option, {})).code).toBe(ErrorCode.INVALID_INPUT);
  });
});

describe('missingEncryptionKey', () => {
  it('is SECRET_UNAVAILABLE and says how to set a key', () => {
    const error = missingEncryptionKey('Cannot store the secrets of data source s1', {
      sourceId: 's1',
    });
    expect(error.code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(error.sourceId).toBe('s1');
    expect(error.message).toMatch(/^Cannot store the secrets of data source s1: /);
    expect(error.message).toContain('encryptionKey');
    expect(error.message).toContain('DataSourceRegistry.open');
    expect(error.message).toContain(ENCRYPTION_KEY_ENV);
    expect(error.message).toContain('openssl rand -base64 32');
  });
});
