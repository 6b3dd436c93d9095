/**
 * Metadata and config options are JSON objects: read back from a log or
 * given by a caller, anything else is refused, and the message says so.
 */
import { describe, expect, it } from 'vitest';
import { jsonObjectInputSchema, jsonObjectSchema } from '../../src/domain/json.js';

const notObjects: [string, unknown][] = [
  ['null', null],
  ['an array', [{ a: 1 }]],
  ['a string', 'text'],
  ['a number', 1],
];

describe('a JSON object read from a log', () => {
  it.each(notObjects)('is not %s', (_, value) => {
    const result = jsonObjectSchema.safeParse(value);
    expect(result.error?.issues[0]?.message).toBe('must be a JSON object ($: must be an object)');
  });

  it('is any plain object of JSON values', () => {
    expect(jsonObjectSchema.safeParse({ a: [1, 'b', null, { c: true }] }).success).toBe(true);
  });
});

describe('a JSON object from a caller', () => {
  it.each(notObjects)('is not %s', (_, value) => {
    const result = jsonObjectInputSchema(1000).safeParse(value);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: [], message: 'must be an object' }),
    ]);
  });

  it('is any plain object of JSON values within its size', () => {
    expect(jsonObjectInputSchema(1000).safeParse({ a: [1, 'b', null] }).success).toBe(true);
  });
});
