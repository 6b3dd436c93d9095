/**
 * Commands on a source check its id before anything else; generated-looking
 * ids take a shortcut, and every id gets the answer the id schema gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sourceIdSchema } from '../../src/domain/commands.js';
import { ErrorCode } from '../../src/index.js';
import { createTestRegistry, failureOf } from '../support/registry-fixtures.js';

const ids = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 210 }),
  fc.string({
    unit: fc.constantFrom('a', 'Z', '0', '-', ' ', '\t', '\u0000', '~', '\u007f', 'é'),
    maxLength: 205,
  }),
  fc.integer({ min: 195, max: 205 }).map((n) => 'x'.repeat(n)),
);

describe('the source id of a command', () => {
  it('is refused exactly when the source id schema refuses it', async () => {
    const { registry } = createTestRegistry();
    await fc.assert(
      fc.asyncProperty(ids, async (id) => {
        const valid = sourceIdSchema.safeParse(id).success;
        if (valid) {
          // A valid id of no source: the command finds nothing to do.
          expect(await registry.activate(id)).toBeNull();
        } else {
          const error = await failureOf(() => registry.activate(id));
          expect(error.code).toBe(ErrorCode.INVALID_INPUT);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is refused when it is not a string', async () => {
    const { registry } = createTestRegistry();
    for (const id of [undefined, null, 42, {}, ['a']]) {
      const error = await failureOf(() => registry.activate(id as unknown as string));
      expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    }
  });
});
