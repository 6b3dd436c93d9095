/**
 * The copy a command's input is checked and kept as: what it refuses, where,
 * and in which words, and how it counts an input's size. Commands refuse the
 * same inputs again further in (schemas, JSON rules), so only the copy's own
 * answer shows that it is the copy that refuses them.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { copiedInput, copyInput } from '../../src/domain/input-copy.js';

const LIMIT = 1 << 20;

describe('copying an input', () => {
  it('keeps strings, numbers, booleans, null, arrays, plain and prototype-less objects', () => {
    const bare = Object.assign(Object.create(null) as object, { k: 'v' });
    const input = { s: 'x', n: 1.5, b: false, z: null, a: [1, 'two', [true]], bare, u: undefined };
    const copy = copyInput(input);
    expect(copy).toEqual({ value: input });
    if (!('value' in copy)) throw new Error('refused');
    expect(copy.value).not.toBe(input);
    expect('u' in (copy.value as object)).toBe(true);
  });

  it('takes undefined as a whole input', () => {
    expect(copyInput(undefined)).toEqual({ value: undefined });
  });

  it('writes -0 as 0', () => {
    const copy = copyInput({ n: -0 }) as { value: { n: number } };
    expect(Object.is(copy.value.n, 0)).toBe(true);
  });

  it('reads each property once and leaves symbol keys out', () => {
    let reads = 0;
    const input = {
      get once() {
        reads++;
        return 'v';
      },
      [Symbol('hidden')]: 1,
    };
    expect(copyInput(input)).toEqual({ value: { once: 'v' } });
    expect(reads).toBe(1);
  });

  it('copies a subtree shared by two fields, which is no cycle', () => {
    const shared = { k: 1 };
    expect(copyInput({ x: shared, y: shared })).toEqual({ value: { x: { k: 1 }, y: { k: 1 } } });
  });
});

describe('what the copy refuses, and where', () => {
  const cyclic: Record<string, unknown> = { a: {} };
  (cyclic.a as Record<string, unknown>).back = cyclic;
  const throwingGetter = {
    ok: 1,
    get bad(): unknown {
      throw new Error('secret reason');
    },
  };
  const throwingKeys = new Proxy(
    {},
    {
      ownKeys() {
        throw new Error('secret reason');
      },
    },
  );
  class Money {
    amount = 1;
  }
  class Row extends Array<number> {}

  it.each([
    ['a cycle', cyclic, ['a', 'back'], 'refers to itself (a cycle)'],
    [
      'a "__proto__" key',
      JSON.parse('{"x":{"__proto__":1}}'),
      ['x', '__proto__'],
      '"__proto__" is not allowed as a key',
    ],
    ['a key holding NUL', { 'a\u0000': 1 }, ['a\u0000'], 'key must not contain NUL (U+0000)'],
    [
      'text with a lone surrogate',
      { t: 'a\ud800' },
      ['t'],
      'must be well-formed Unicode (it holds a lone surrogate)',
    ],
    ['NaN', { n: Number.NaN }, ['n'], 'NaN is not a finite number'],
    ['Infinity', [Number.POSITIVE_INFINITY], [0], 'Infinity is not a finite number'],
    ['undefined in an array', [1, undefined], [1], 'undefined is not allowed in an array'],
    ['a bigint', { b: 1n }, ['b'], 'a bigint is not accepted'],
    ['a function', { f: () => 1 }, ['f'], 'a function is not accepted'],
    ['a symbol', [Symbol('s')], [0], 'a symbol is not accepted'],
    ['a class instance', { m: new Money() }, ['m'], 'must be a plain object or array'],
    ['a date', { d: new Date(0) }, ['d'], 'must be a plain object or array'],
    ['an array subclass', { r: Row.from([1]) }, ['r'], 'must be a plain array'],
    [
      'a getter that throws',
      throwingGetter,
      ['bad'],
      'could not be read (a getter or proxy threw)',
    ],
    [
      'a proxy whose trap throws',
      { p: throwingKeys },
      ['p'],
      'could not be read (a getter or proxy threw)',
    ],
  ])('refuses %s', (_, input, path, message) => {
    expect(copyInput(input)).toEqual({ problem: { path, message } });
  });

  it('takes 36 levels of nesting and refuses the 37th', () => {
    const nest = (levels: number): unknown => (levels === 0 ? 1 : [nest(levels - 1)]);
    expect('value' in copyInput(nest(36))).toBe(true);
    expect(copyInput(nest(37))).toEqual({
      problem: { path: Array(36).fill(0), message: 'must not nest deeper than 36 levels' },
    });
  });
});

describe('the size of an input', () => {
  const tooLarge = (path: (string | number)[]) => ({ problem: { path, message: 'is too large' } });

  it('counts a string as its length and two quotes', () => {
    // The array's brackets (2), the string with its quotes, and one separator.
    expect('value' in copyInput(['x'.repeat(LIMIT - 5)])).toBe(true);
    expect(copyInput(['x'.repeat(LIMIT - 4)])).toEqual(tooLarge([]));
  });

  it('counts a number as 8 bytes', () => {
    const fits = Math.floor((LIMIT - 2) / 9);
    expect('value' in copyInput(Array(fits).fill(1))).toBe(true);
    expect(copyInput(Array(fits + 1).fill(1))).toEqual(tooLarge([]));
  });

  it('counts true, false and null as 4 bytes', () => {
    const fits = Math.floor((LIMIT - 2) / 5);
    expect('value' in copyInput(Array(fits).fill(true))).toBe(true);
    expect(copyInput(Array(fits + 1).fill(null))).toEqual(tooLarge([]));
  });

  it('counts a key as its length and four', () => {
    const fields = (count: number) =>
      Object.fromEntries(
        Array.from({ length: count }, (_, i) => [i.toString(36).padStart(4, '0'), null]),
      );
    // The outer braces (2), the inner ones (2) and the outer key (8 and 4)
    // make 16; each field is its 4-character key and 4, and null's 4: 12.
    const fits = (LIMIT - 16) / 12;
    expect('value' in copyInput({ eightchr: fields(fits) })).toBe(true);
    expect(copyInput({ eightchr: fields(fits + 1) })).toEqual(tooLarge(['eightchr']));
  });

  it('refuses a sparse array longer than the limit before reading it', () => {
    expect(copyInput({ a: new Array(LIMIT + 1) })).toEqual(tooLarge(['a']));
    expect(copyInput({ a: new Array(LIMIT) })).toEqual({
      problem: { path: ['a', 0], message: 'undefined is not allowed in an array' },
    });
  });
});

describe('a schema on the copy', () => {
  it('reports the copy’s problem at its path, in its words', () => {
    const result = copiedInput(z.object({ a: z.unknown() })).safeParse({ a: { n: Number.NaN } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map(({ path, message }) => ({ path, message }))).toEqual([
      { path: ['a', 'n'], message: 'NaN is not a finite number' },
    ]);
  });
});
