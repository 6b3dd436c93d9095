/**
 * The JSON size limits count what a store writes: the UTF-8 bytes of the
 * value's JSON text, escapes included, exactly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonProblem } from '../../src/domain/json.js';
import { propertyRuns } from '../support/property-runs.js';

const anyJson = fc
  .jsonValue({ maxDepth: 3, stringUnit: 'binary' })
  .filter((value) => !JSON.stringify(value).includes('"__proto__"'));

describe('the size of a JSON value', () => {
  it('is exactly the UTF-8 length of its JSON text', () => {
    fc.assert(
      fc.property(anyJson, (value) => {
        const size = Buffer.byteLength(JSON.stringify(value));
        expect(jsonProblem(value, { maxBytes: size, maxDepth: 100 })).toBeNull();
        expect(jsonProblem(value, { maxBytes: size - 1, maxDepth: 100 })?.message).toMatch(/bytes/);
      }),
      { numRuns: propertyRuns(500) },
    );
  });
});
