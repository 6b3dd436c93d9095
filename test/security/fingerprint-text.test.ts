import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SECRET_FINGERPRINT_HEX_DIGITS } from '../../src/domain/secret-fingerprints.js';
import {
  createSecretFingerprinter,
  fingerprintKeyOf,
} from '../../src/security/secret-fingerprints.js';

// What exactly a fingerprint is made of, recomputed here with Node's own
// HMAC: a fingerprint a release writes must match the one the next release
// computes for the same secret, or every secret would look changed.

const key = randomBytes(32);
const fingerprint = createSecretFingerprinter(key);

/** The fingerprint of the text `hashed`, as the format says it is made. */
const expected = (hashed: string) =>
  createHmac('sha256', fingerprintKeyOf(key))
    .update(hashed, 'utf8')
    .digest('hex')
    .slice(0, SECRET_FINGERPRINT_HEX_DIGITS);

describe('the text a fingerprint is made of', () => {
  it('is a string as it is, after the tag "s" and a NUL', () => {
    expect(fingerprint('pw-é')).toBe(expected('s\u0000pw-é'));
  });

  it('is any other value as JSON with sorted keys, after the tag "j" and a NUL', () => {
    const value = { b: [1, { d: true, c: null }], a: 'x', 'a b': 2 };
    expect(fingerprint(value)).toBe(
      expected('j\u0000{"a":"x","a b":2,"b":[1,{"c":null,"d":true}]}'),
    );
  });

  it('is the same for objects that differ only in key order', () => {
    expect(fingerprint({ a: 1, b: { y: 2, x: 3 } })).toBe(fingerprint({ b: { x: 3, y: 2 }, a: 1 }));
  });

  it('keeps apart a string and the number it spells, and nested arrays from flat ones', () => {
    expect(fingerprint('1')).not.toBe(fingerprint(1));
    expect(fingerprint([1, [2, 3]])).not.toBe(fingerprint([1, 2, 3]));
    expect(fingerprint([[]])).toBe(expected('j\u0000[[]]'));
  });
});
