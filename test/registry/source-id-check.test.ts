/**
 * Commands on a source check its id before anything else; generated-looking
 * ids take a shortcut, and every id gets the answer the stream id schema
 * gives. A new source's id is also refused when it starts with `$`, which
 * marks the registry's own streams.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sourceIdSchema, streamIdSchema } from '../../src/domain/commands.js';
import { ErrorCode } from '../../src/index.js';
import { propertyRuns } from '../support/property-runs.js';
import { createTestRegistry, databaseInput, failureOf } from '../support/registry-fixtures.js';

const ids = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 210 }),
  fc.string({
    unit: fc.constantFrom('a', 'Z', '0', '-', ' ', '\t', '\u0000', '~', '\u007f', 'é', '$'),
    maxLength: 205,
  }),
  fc.integer({ min: 195, max: 205 }).map((n) => 'x'.repeat(n)),
);

describe('the source id of a command', () => {
  it('is refused exactly when the stream id schema refuses it', async () => {
    const { registry } = createTestRegistry();
    await fc.assert(
      fc.asyncProperty(ids, async (id) => {
        const valid = streamIdSchema.safeParse(id).success;
        if (valid) {
          // A valid id of no source: the command finds nothing to do.
          expect(await registry.activate(id)).toBeNull();
        } else {
          const error = await failureOf(() => registry.activate(id));
          expect(error.code).toBe(ErrorCode.INVALID_INPUT);
        }
      }),
      { numRuns: propertyRuns(300) },
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

describe('the source id of a registration', () => {
  it('is refused with INVALID_INPUT when it starts with $, and nothing is written', async () => {
    const { registry } = createTestRegistry();

    const error = await failureOf(() =>
      registry.register(databaseInput({ sourceId: '$tenant:acme' })),
    );

    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toContain('must not start with "$"');
    expect(registry.position).toBe(0);
  });

  it('is accepted by the new source id schema exactly when the stream id schema accepts it and it does not start with $', () => {
    fc.assert(
      fc.property(ids, (id) => {
        const expected = streamIdSchema.safeParse(id).success && !id.startsWith('$');
        expect(sourceIdSchema.safeParse(id).success).toBe(expected);
      }),
      { numRuns: propertyRuns(300) },
    );
  });
});

describe("the registry's own streams", () => {
  it('are no live source to a command, which resolves to null after a purge', async () => {
    const { registry } = createTestRegistry();
    await registry.purgeTenant('acme');

    await expect(registry.activate('$tenant:acme')).resolves.toBeNull();
    await expect(registry.delete('$tenant:acme')).resolves.toBe(false);
    expect(registry.get('$tenant:acme')).toBeNull();
  });
});
