/**
 * A fuzz of every public entry point with arbitrary values: anything
 * fast-check makes (bigints, dates, maps, typed arrays, sparse arrays,
 * null-prototype objects), Proxies, throwing getters, cycles, deep nesting,
 * lone surrogates and NUL, alone and inside otherwise valid input. Each call
 * returns a correct result or throws a DataSourceError; nothing hangs, no
 * prototype is polluted, and a fresh registry on the same SQLite file sees
 * exactly the state the first one had.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DataSourceConfig,
  DataSourceError,
  type DataSourceRegistry,
  ErrorCode,
} from '../../src/index.js';
import { storableJson, storableKey } from '../support/arbitraries.js';
import { useDurableLogs } from '../support/durable-registries.js';
import { hostileText } from '../support/hostile-text.js';
import { propertyRuns, quickTests } from '../support/property-runs.js';
import { snapshotOf } from '../support/registry-fixtures.js';

/** Values no JSON check should trust, each made fresh per use. */
const tricks: fc.Arbitrary<unknown> = fc
  .constantFrom(
    () => {
      const cycle: Record<string, unknown> = { a: 1 };
      cycle.self = cycle;
      return cycle;
    },
    () => {
      let deep: unknown = {};
      for (let i = 0; i < 5_000; i++) deep = [deep];
      return deep;
    },
    () =>
      new Proxy(
        {},
        {
          ownKeys: () => {
            throw new Error('trap');
          },
        },
      ),
    () => new Proxy({ host: 'h' }, { get: () => 10n }),
    () =>
      Object.defineProperty({}, 'host', {
        enumerable: true,
        get: () => {
          throw new Error('getter');
        },
      }),
    () => {
      let reads = 0;
      return Object.defineProperty({}, 'x', {
        enumerable: true,
        get: () => (reads++ ? 10n : 'ok'),
      });
    },
    () => JSON.parse('{"__proto__": {"polluted": true}}'),
    () => JSON.parse('{"constructor": {"prototype": {"polluted": true}}}'),
    () => Object.create({ inherited: 'x' }),
    () => 'x\ud800',
    () => 'a\u0000b',
    () => -0,
    () => Number.NaN,
    () => Symbol('s'),
    () => () => 'fn',
  )
  .map((make) => make());

/** Anything, hostile or not. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({
    maxDepth: 3,
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
  }),
  hostileText(),
  tricks,
);

/** Mostly valid text, sometimes anything: so calls get past the first check often enough. */
const textOrAny = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }) },
  { weight: 2, arbitrary: hostileText() },
  { weight: 1, arbitrary: anyValue },
);

/** A valid value most of the time, anything otherwise. */
const mostly = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 20, arbitrary: valid }, { weight: 1, arbitrary: anyValue });

const validText = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 });
const jsonObject = fc.dictionary(storableKey(), storableJson(), { maxKeys: 3 });

/** A register input whose fields are valid, arbitrary or hostile. */
const registerInput = fc.record(
  {
    tenantId: fc.oneof(fc.constantFrom('acme', 'beta'), textOrAny),
    name: mostly(validText),
    sourceType: mostly(fc.constantFrom('database', 'api')),
    config: mostly(
      fc.record({ host: textOrAny, options: mostly(jsonObject) }, { requiredKeys: [] }),
    ),
    description: mostly(validText),
    tags: mostly(fc.array(textOrAny, { maxLength: 3 })),
    metadata: mostly(jsonObject),
    accessRoles: mostly(fc.array(validText, { maxLength: 2 })),
    ownerId: mostly(validText),
    sourceId: fc.oneof(fc.constantFrom('s1', 's2'), textOrAny),
  },
  { requiredKeys: ['tenantId', 'name', 'sourceType'] },
);

const context = fc.oneof(
  { weight: 6, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.record(
      { actor: textOrAny, correlationId: textOrAny, metadata: anyValue, expectedVersion: anyValue },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: anyValue },
);

type Call = { method: string; args: unknown[] };

const sourceId = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('s1', 's2') }, anyValue);
const call = (method: string, ...args: fc.Arbitrary<unknown>[]): fc.Arbitrary<Call> =>
  fc.tuple(...args).map((values) => ({ method, args: values }));

const calls: fc.Arbitrary<Call> = fc.oneof(
  {
    weight: 8,
    arbitrary: call(
      'register',
      fc.oneof({ weight: 8, arbitrary: registerInput }, anyValue),
      context,
    ),
  },
  call(
    'update',
    sourceId,
    fc.oneof(
      fc.record({ name: textOrAny, metadata: anyValue, config: anyValue }, { requiredKeys: [] }),
      anyValue,
    ),
    context,
  ),
  call('updateConfig', sourceId, anyValue, context),
  call('activate', sourceId, context),
  call('deactivate', sourceId, context),
  call('deprecate', sourceId, context),
  call('recordConnection', sourceId, context),
  call('recordError', sourceId, textOrAny, context),
  call('addTag', sourceId, textOrAny, context),
  call('removeTag', sourceId, textOrAny, context),
  call('grantAccess', sourceId, textOrAny, context),
  call('revokeAccess', sourceId, textOrAny, context),
  call('delete', sourceId, context),
  call('clearTenant', fc.oneof(fc.constantFrom('acme', 'beta'), textOrAny), context),
  call('purgeTenant', fc.oneof(fc.constantFrom('acme', 'beta'), textOrAny), context),
  call('get', sourceId),
  call('getByName', textOrAny, textOrAny),
  call(
    'list',
    fc.oneof(
      fc.record({ tenantId: textOrAny, tag: textOrAny, limit: anyValue }, { requiredKeys: [] }),
      anyValue,
    ),
  ),
  call('count', anyValue),
  call('getStatistics', textOrAny),
  call('at', fc.oneof(fc.nat({ max: 8 }), fc.date(), anyValue)),
  call('DataSourceConfig.create', anyValue),
  call(
    'DataSourceConfig.fromDict',
    fc.oneof(fc.record({ host: textOrAny, options: anyValue }, { requiredKeys: [] }), anyValue),
  ),
);

/** How many calls answered rather than threw: the fuzz must reach past the input checks. */
let answered = 0;
/** How many sources the runs left: the fuzz must register some to compare restarts. */
let sources = 0;

async function invoke(registry: DataSourceRegistry, { method, args }: Call): Promise<unknown> {
  if (method === 'DataSourceConfig.create') return DataSourceConfig.create(args[0] as never);
  if (method === 'DataSourceConfig.fromDict') return DataSourceConfig.fromDict(args[0] as never);
  const fn = (registry as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
  return fn?.apply(registry, args);
}

/** What a correct answer of each query looks like. */
function checkResult(method: string, result: unknown) {
  if (method === 'get' || method === 'getByName') {
    expect(result === null || (typeof result === 'object' && Object.isFrozen(result))).toBe(true);
  } else if (method === 'list') {
    expect(Array.isArray(result)).toBe(true);
  } else if (method === 'at') {
    const then = result as { position: number; count: () => number };
    expect(Object.isFrozen(then) && Number.isInteger(then.position)).toBe(true);
    expect(Number.isInteger(then.count())).toBe(true);
  } else if (method === 'count' || method === 'clearTenant' || method === 'purgeTenant') {
    expect(Number.isInteger(result)).toBe(true);
  }
}

const RUNS = propertyRuns(60);

describe('every public entry point, fuzzed', () => {
  const freshLogs = useDurableLogs('fuzz');
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  it('answers or throws a DataSourceError, pollutes nothing, and restarts to the same state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(calls, { minLength: 1, maxLength: 15 }), async (sequence) => {
        const [place] = freshLogs();
        if (!place) throw new Error('no SQLite log');
        const registry = await place.open();
        for (const c of sequence) {
          try {
            checkResult(c.method, await invoke(registry, c));
            answered++;
          } catch (error) {
            if (!(error instanceof DataSourceError)) throw error;
            expect(error.code).not.toBe(ErrorCode.STORE_ERROR);
            expect(error.code).not.toBe(ErrorCode.CORRUPT_LOG);
          }
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
        sources += registry.count();
        const fresh = await place.open();
        expect(snapshotOf(fresh)).toBe(snapshotOf(registry));
        await registry.close();
        await fresh.close();
      }),
      { numRuns: RUNS },
    );
    // The generator is worth its runs: more calls answered than runs, and
    // sources left behind. A quick run tries too few cases for these counts.
    if (!quickTests) {
      expect(answered).toBeGreaterThan(RUNS);
      expect(sources).toBeGreaterThan(10);
    }
  }, 180_000);
});
