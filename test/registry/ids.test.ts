/** The ids a registry makes by default: event ids and new source ids. */
import { describe, expect, it } from 'vitest';
import { createUlidFactory } from '../../src/registry/ids.js';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('the default ids', () => {
  it('are ULIDs, each greater than the one before, past many refills of the random pool', () => {
    const newId = createUlidFactory();
    // 16 random characters an id, 4,096 bytes a pool: over 20 refills.
    const ids = Array.from({ length: 6_000 }, () => newId());
    for (const id of ids) expect(id).toMatch(ULID);
    for (let i = 1; i < ids.length; i++)
      expect((ids[i] as string) > (ids[i - 1] as string)).toBe(true);
  });

  it('differ between two factories in the same millisecond', () => {
    const a = createUlidFactory();
    const b = createUlidFactory();
    const first = new Set(Array.from({ length: 100 }, () => a()));
    const second = Array.from({ length: 100 }, () => b());
    expect(second.some((id) => first.has(id))).toBe(false);
  });
});
