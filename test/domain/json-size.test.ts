/**
 * The JSON size a config or metadata value is held to: the byte length of
 * its JSON text, counted without writing it out, escapes included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonProblem } from '../../src/domain/json.js';
import { propertyRuns } from '../support/property-runs.js';

/** Characters JSON escapes or encodes in more than one byte, beside ordinary text. */
const edgeChars = fc.constantFrom(
  '"',
  '\\',
  '\b',
  '\t',
  '\n',
  '\f',
  '\r',
  '\u0000',
  '\u0001',
  '\u001f',
  ' ',
  '\u007f',
  '\u0080',
  '\u07ff',
  '\u0800',
  '\ud7ff',
  '\ue000',
  '\uffff',
  '\ud83d\ude00',
);
const text = fc.string({ unit: fc.oneof(edgeChars, fc.string({ minLength: 1, maxLength: 1 })) });
const values = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      text.filter((key) => key !== '__proto__'),
      tie('value'),
      { maxKeys: 4 },
    ),
  ),
})).value;

const deep = { maxBytes: Number.POSITIVE_INFINITY, maxDepth: 1000 };

describe('the JSON size of a value', () => {
  it('is the UTF-8 length of its JSON text: at that limit it passes, one byte under it does not', () => {
    fc.assert(
      fc.property(values, (value) => {
        const size = Buffer.byteLength(JSON.stringify(value), 'utf8');
        expect(jsonProblem(value, { ...deep, maxBytes: size })).toBeNull();
        expect(jsonProblem(value, { ...deep, maxBytes: size - 1 })).toEqual({
          path: [],
          message: `must be at most ${size - 1} bytes as JSON`,
        });
      }),
      { numRuns: propertyRuns(1000) },
    );
  });
});

describe('what is not JSON, and where', () => {
  it.each([
    [
      'a "__proto__" key',
      JSON.parse('{"a":{"__proto__":1}}'),
      ['a', '__proto__'],
      '"__proto__" is not allowed as a key',
    ],
    ['NaN', { a: [1, Number.NaN] }, ['a', 1], 'NaN is not a JSON number'],
    ['undefined in an object', { a: undefined }, ['a'], 'undefined is not JSON'],
    ['a bigint', [1n], [0], 'bigint is not JSON'],
    ['a class instance', { d: new Date(0) }, ['d'], 'must be a plain object'],
  ])('names %s', (_, value, path, message) => {
    expect(jsonProblem(value, deep)).toEqual({ path, message });
  });

  it('takes its depth limit and refuses one level more', () => {
    expect(jsonProblem([[1]], { ...deep, maxDepth: 2 })).toBeNull();
    expect(jsonProblem([[[1]]], { ...deep, maxDepth: 2 })).toEqual({
      path: [0, 0],
      message: 'must not nest deeper than 2 levels',
    });
  });
});
