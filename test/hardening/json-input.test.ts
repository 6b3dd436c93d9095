/**
 * JSON input (metadata, oauthConfig, options, ctx.metadata) is copied first,
 * reading each property once, and the copy is checked as the log will hold
 * it: anything else is INVALID_INPUT, never a raw error and never an event
 * the log cannot read back.
 */
import { describe, expect, it } from 'vitest';
import { DataSourceConfig, DataSourceRegistry, ErrorCode } from '../../src/index.js';
import { issuePaths } from '../support/input-issues.js';
import { createTestRegistry, databaseInput, failsWith } from '../support/registry-fixtures.js';

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 0; i < depth; i++) value = { d: value };
  return value;
}

function circular(): Record<string, unknown> {
  const value: Record<string, unknown> = { a: { b: [] } };
  ((value.a as Record<string, unknown>).b as unknown[]).push(value);
  return value;
}

const hostile: [string, () => unknown][] = [
  ['a cycle', circular],
  ['5,000 levels of nesting', () => nested(5_000)],
  [
    'a Proxy whose trap throws',
    () =>
      new Proxy(
        {},
        {
          ownKeys: () => {
            throw new Error('trap');
          },
        },
      ),
  ],
  [
    'a revoked Proxy',
    () => {
      const p = Proxy.revocable({}, {});
      p.revoke();
      return p.proxy;
    },
  ],
  [
    'a getter that throws',
    () =>
      Object.defineProperty({}, 'x', {
        enumerable: true,
        get: () => {
          throw new Error('no');
        },
      }),
  ],
  [
    'a getter that returns a BigInt',
    () => Object.defineProperty({}, 'x', { enumerable: true, get: () => 10n }),
  ],
  ['a Date', () => ({ when: new Date(0) })],
  ['a Map', () => ({ m: new Map() })],
  ['a class instance', () => ({ c: new (class Thing {})() })],
  ['a function', () => ({ f: () => 1 })],
  ['NaN', () => ({ n: Number.NaN })],
  ['undefined', () => ({ u: undefined })],
  ['a "__proto__" key', () => JSON.parse('{"__proto__": {"polluted": true}}')],
  ['a sparse array', () => ({ holes: new Array(3) })],
  [
    'a shared subtree repeated past the size limit',
    () => {
      let value: unknown[] = ['x'.repeat(1_000)];
      for (let i = 0; i < 30; i++) value = [value, value];
      return { value };
    },
  ],
];

describe('hostile JSON input', () => {
  it.each(hostile)('is INVALID_INPUT as metadata: %s', async (_, make) => {
    const { registry, store } = createTestRegistry();
    await failsWith(
      () => registry.register(databaseInput({ metadata: make() as never })),
      ErrorCode.INVALID_INPUT,
    );
    expect(store.readAllSync()).toHaveLength(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(hostile)(
    'is INVALID_INPUT as oauthConfig, options and ctx.metadata: %s',
    async (_, make) => {
      const { registry, store } = createTestRegistry();
      const { sourceId } = await registry.register(databaseInput());
      await failsWith(
        () => registry.updateConfig(sourceId, { oauthConfig: make() as never }),
        ErrorCode.INVALID_INPUT,
      );
      await failsWith(
        () => registry.update(sourceId, { config: { options: make() as never } }),
        ErrorCode.INVALID_INPUT,
      );
      await failsWith(
        () => registry.activate(sourceId, { metadata: make() as never }),
        ErrorCode.INVALID_INPUT,
      );
      await failsWith(
        () => DataSourceConfig.create({ options: make() as never }),
        ErrorCode.INVALID_INPUT,
      );
      expect(store.readAllSync()).toHaveLength(1);
    },
  );

  it('is INVALID_INPUT when the whole input is a Proxy or has a throwing getter', async () => {
    const { registry } = createTestRegistry();
    const trap = new Proxy(databaseInput(), {
      get: () => {
        throw new Error('trap');
      },
    });
    await failsWith(() => registry.register(trap), ErrorCode.INVALID_INPUT);
    const getter = Object.defineProperty(databaseInput(), 'name', {
      enumerable: true,
      get: () => {
        throw new Error('no');
      },
    });
    await failsWith(() => registry.register(getter), ErrorCode.INVALID_INPUT);
    await failsWith(() => registry.list(trap as never), ErrorCode.INVALID_INPUT);
  });

  it('names the path of the bad value', async () => {
    const { registry } = createTestRegistry();
    const error = await failsWith(
      () =>
        registry.register(
          databaseInput({ metadata: { ok: 1, deep: { list: [1, Number.POSITIVE_INFINITY] } } }),
        ),
      ErrorCode.INVALID_INPUT,
    );
    expect(issuePaths(error)).toEqual(['metadata.deep.list.1']);
  });
});

describe('how JSON input is copied', () => {
  it('reads a getter once and keeps the value it gave', async () => {
    const { registry } = createTestRegistry();
    let reads = 0;
    const metadata = Object.defineProperty({}, 'n', { enumerable: true, get: () => ++reads });
    const source = await registry.register(databaseInput({ metadata }));
    expect(source.metadata).toEqual({ n: 1 });
    expect(reads).toBe(1);
  });

  it('stores what a getter gave on its one read, even if a second read would give a BigInt', async () => {
    const { registry, store } = createTestRegistry();
    let reads = 0;
    const metadata = Object.defineProperty({}, 'x', {
      enumerable: true,
      get: () => (reads++ === 0 ? 'fine' : 10n),
    });
    expect((await registry.register(databaseInput({ metadata }))).metadata).toEqual({ x: 'fine' });
    expect(new DataSourceRegistry({ store }).list()[0]?.metadata).toEqual({ x: 'fine' });
  });

  it('copies a Proxy that answers like a plain object', async () => {
    const { registry } = createTestRegistry();
    const metadata = new Proxy({ a: 1 }, {});
    expect((await registry.register(databaseInput({ metadata }))).metadata).toEqual({ a: 1 });
  });

  it('ignores symbol-keyed properties, as JSON has no place for them', async () => {
    const { registry } = createTestRegistry();
    const metadata = { a: 1, [Symbol('hidden')]: 2 };
    const source = await registry.register(databaseInput({ metadata }));
    expect(Object.getOwnPropertySymbols(source.metadata)).toEqual([]);
    expect(source.metadata).toEqual({ a: 1 });
  });

  it('writes -0 as 0, as JSON would', async () => {
    const { registry } = createTestRegistry();
    const source = await registry.register(databaseInput({ metadata: { z: -0 } }));
    expect(Object.is(source.metadata.z, 0)).toBe(true);
  });

  it("keeps a shared subtree as two equal copies, and never the caller's object", async () => {
    const { registry } = createTestRegistry();
    const shared = { k: [1, 2] };
    const source = await registry.register(databaseInput({ metadata: { a: shared, b: shared } }));
    expect(source.metadata).toEqual({ a: { k: [1, 2] }, b: { k: [1, 2] } });
    shared.k.push(3);
    expect(source.metadata.a).toEqual({ k: [1, 2] });
    expect(Object.isFrozen(shared)).toBe(false);
  });
});

describe('a clock the log cannot hold', () => {
  const badClocks: [string, () => Date][] = [
    ['a time in year 10000', () => new Date('+010000-01-01T00:00:00.000Z')],
    ['an invalid Date', () => new Date(Number.NaN)],
    ['a value that is not a Date', () => '2024-01-01' as unknown as Date],
    [
      'a clock that throws',
      () => {
        throw new Error('no time');
      },
    ],
  ];

  it.each(badClocks)(
    'fails the command with INVALID_INPUT naming the clock: %s',
    async (_, clock) => {
      const { registry, store } = createTestRegistry({ clock });
      const error = await failsWith(
        () => registry.register(databaseInput()),
        ErrorCode.INVALID_INPUT,
      );
      expect(error.message).toContain('clock');
      expect(issuePaths(error)).toEqual(['clock']);
      expect(store.readAllSync()).toHaveLength(0);
    },
  );

  it('fails clearTenant the same way, appending nothing', async () => {
    let now: Date = new Date('2024-01-01T00:00:00.000Z');
    const { registry, store } = createTestRegistry({ clock: () => now });
    await registry.register(databaseInput());
    now = new Date(Number.NaN);
    await failsWith(() => registry.clearTenant('acme'), ErrorCode.INVALID_INPUT);
    expect(store.readAllSync()).toHaveLength(1);
    expect(registry.count()).toBe(1);
  });

  it('leaves a log a new registry can read', async () => {
    const { registry, store } = createTestRegistry({
      clock: () => new Date('+010000-01-01T00:00:00.000Z'),
    });
    await failsWith(() => registry.register(databaseInput()), ErrorCode.INVALID_INPUT);
    expect(() => new DataSourceRegistry({ store })).not.toThrow();
  });
});

describe('DUPLICATE_ID', () => {
  it("does not tell the caller the type of another tenant's source", async () => {
    const { registry } = createTestRegistry();
    await registry.register(
      databaseInput({ tenantId: 'other', sourceId: 'shared-id', sourceType: 'vector' }),
    );
    const error = await failsWith(
      () =>
        registry.register(
          databaseInput({ tenantId: 'acme', sourceId: 'shared-id', sourceType: 'api' }),
        ),
      ErrorCode.DUPLICATE_ID,
    );
    expect(error.sourceType).toBeNull();
    expect(JSON.stringify(error.toDict())).not.toContain('vector');
    expect(error.message).not.toContain('other');
  });
});
