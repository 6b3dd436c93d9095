/**
 * The text rules every stored string follows: its UTF-8 length as a store
 * counts it, and what makes a string unstorable, in the words a caller sees.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { textProblem, textSchema, utf8Length } from '../../src/domain/text.js';
import { propertyRuns } from '../support/property-runs.js';

/** UTF-16 units at and around each edge of the UTF-8 encoding and of the surrogates. */
const edgeUnits = [
  0x00, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xffff,
];
const anyUnits = fc
  .array(fc.oneof(fc.constantFrom(...edgeUnits), fc.integer({ min: 0, max: 0xffff })), {
    maxLength: 12,
  })
  .map((units) => String.fromCharCode(...units));

describe('the UTF-8 length of a string', () => {
  it('is what Node encodes it to, a lone surrogate counting as its 3-byte replacement', () => {
    fc.assert(
      fc.property(anyUnits, (text) => {
        expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
      }),
      { numRuns: propertyRuns(2000) },
    );
  });

  it.each([
    ['\u007f', 1],
    ['\u0080', 2],
    ['\u07ff', 2],
    ['\u0800', 3],
    ['\ud7ff', 3],
    ['\ud83d\ude00', 4],
    ['\udbff\udfff', 4],
    ['\ud800', 3],
    ['\udc00\ud800', 6],
    ['\ue000', 3],
  ])('counts %j as %i bytes', (text, bytes) => {
    expect(utf8Length(text)).toBe(bytes);
  });
});

describe('what makes a string unstorable', () => {
  it('is nothing for well-formed text with surrogate pairs', () => {
    expect(textProblem('a\ud83d\ude00b\udbff\udfff')).toBeNull();
  });

  it('names NUL', () => {
    expect(textProblem('a\u0000b')).toBe('must not contain NUL (U+0000)');
  });

  it.each([
    ['a high surrogate at the end', 'a\ud800'],
    ['a high surrogate before a letter', '\udbffa'],
    ['a low surrogate alone', '\udc00'],
    ['a low surrogate before a high one', '\udfff\ud800'],
  ])('names %s as a lone surrogate', (_, text) => {
    expect(textProblem(text)).toBe('must be well-formed Unicode (it holds a lone surrogate)');
  });
});

describe('a text schema', () => {
  const issuesOf = (schema: ReturnType<typeof textSchema>, text: string) => {
    const result = schema.safeParse(text);
    return result.success
      ? []
      : result.error.issues.map(({ code, message }) => ({ code, message }));
  };

  it('takes text of exactly its limit in bytes', () => {
    expect(issuesOf(textSchema(4), '\ud83d\ude00')).toEqual([]);
  });

  it('refuses text one byte over, saying the limit', () => {
    expect(issuesOf(textSchema(4), 'a\ud83d\ude00')).toEqual([
      { code: 'custom', message: 'must be at most 4 bytes of UTF-8' },
    ]);
  });

  it('refuses unstorable text with the reason alone, whatever its size', () => {
    expect(issuesOf(textSchema(1), 'ab\u0000')).toEqual([
      { code: 'custom', message: 'must not contain NUL (U+0000)' },
    ]);
  });
});
