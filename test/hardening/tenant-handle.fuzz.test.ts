/**
 * A fuzz of `forTenant` and every method of a tenant handle with arbitrary
 * and hostile values (Proxies, throwing getters, cycles, lone surrogates):
 * each call answers or throws a DataSourceError, and another tenant's source
 * is never changed.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { DataSourceError, DataSourceRegistry, type TenantHandle } from '../../src/index.js';
import { hostileText } from '../support/hostile-text.js';
import { plainJson } from '../support/plain.js';
import { propertyRuns, quickTests } from '../support/property-runs.js';

const tricks: fc.Arbitrary<unknown> = fc
  .constantFrom(
    () => {
      const cycle: Record<string, unknown> = { name: 'x' };
      cycle.self = cycle;
      return cycle;
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
    () =>
      Object.defineProperty({ name: 'x', sourceType: 'api' }, 'tenantId', {
        enumerable: true,
        get: () => {
          throw new Error('getter');
        },
      }),
    () => {
      let reads = 0;
      return Object.defineProperty({ name: 'x', sourceType: 'api' }, 'tenantId', {
        enumerable: true,
        get: () => (reads++ ? 'globex' : 'acme'),
      });
    },
    () => Object.create({ tenantId: 'globex', name: 'x', sourceType: 'api' }),
  )
  .map((make) => make());

const anyValue = fc.oneof(fc.anything({ maxDepth: 2, withBigInt: true }), hostileText(), tricks);
const mostly = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: anyValue });
const sourceId = mostly(fc.constantFrom('s1', 's2', 'foreign'));
const text = mostly(fc.constantFrom('analyst', 'Orders', 'eu', ' x '));
const ctx = fc.oneof(
  fc.constant(undefined),
  fc.record({ actor: text, metadata: anyValue, expectedVersion: anyValue }, { requiredKeys: [] }),
  anyValue,
);
const registration = mostly(
  fc.record(
    {
      tenantId: mostly(fc.constantFrom('acme', 'globex')),
      name: text,
      sourceType: mostly(fc.constant('api')),
      sourceId: sourceId,
      accessRoles: mostly(fc.array(text, { maxLength: 2 })),
    },
    { requiredKeys: ['name', 'sourceType'] },
  ),
);

type Call = { method: keyof TenantHandle; args: unknown[] };
const call = (method: keyof TenantHandle, ...args: fc.Arbitrary<unknown>[]): fc.Arbitrary<Call> =>
  fc.tuple(...args).map((values) => ({ method, args: values }));

const calls = fc.oneof(
  call('register', registration, ctx),
  call('update', sourceId, mostly(fc.record({ name: text }, { requiredKeys: [] })), ctx),
  call('activate', sourceId, ctx),
  call('grantAccess', sourceId, text, ctx),
  call('revokeAccess', sourceId, text, ctx),
  call('addTag', sourceId, text, ctx),
  call('delete', sourceId, ctx),
  call('clearTenant', ctx),
  call('get', sourceId),
  call('getByName', text),
  call('list', mostly(fc.record({ tenantId: text, limit: anyValue }, { requiredKeys: [] }))),
  call('count', anyValue),
  call('history', sourceId),
);

const options = mostly(
  fc.record({ actor: text, roles: mostly(fc.array(text, { maxLength: 2 })) }, { requiredKeys: [] }),
);

/** How many calls answered rather than threw: the fuzz must reach past the input checks. */
let answered = 0;

const RUNS = propertyRuns(300);

it('answers or throws a DataSourceError, and never changes another tenant', async () => {
  await fc.assert(
    fc.asyncProperty(
      mostly(fc.constant('acme')),
      options,
      fc.array(calls, { maxLength: 10 }),
      async (tenant, handleOptions, sequence) => {
        const registry = new DataSourceRegistry();
        await registry.register({
          tenantId: 'globex',
          name: 'Orders',
          sourceType: 'api',
          sourceId: 'foreign',
        });
        const before = plainJson(registry.list({ tenantId: 'globex' }));
        let handle: TenantHandle;
        try {
          handle = registry.forTenant(tenant as string, handleOptions as never);
        } catch (error) {
          expect(error).toBeInstanceOf(DataSourceError);
          return;
        }
        for (const { method, args } of sequence) {
          const fn = handle[method] as (...a: unknown[]) => unknown;
          try {
            await fn(...args);
            answered++;
          } catch (error) {
            expect(error).toBeInstanceOf(DataSourceError);
          }
        }
        expect(plainJson(registry.list({ tenantId: 'globex' }))).toBe(before);
        await registry.close();
      },
    ),
    { numRuns: RUNS },
  );
  // The generator is worth its runs: a third of them reach an answered
  // command. A quick run tries too few cases for this count.
  if (!quickTests) expect(answered).toBeGreaterThan(100);
});
