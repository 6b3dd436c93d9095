import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type AnyDataSourceError,
  DataSourceError,
  DataSourceRegistry,
  type InputIssue,
} from '../../src/index.js';
import { failureOf } from '../support/registry-fixtures.js';

const orders = { tenantId: 't1', name: 'orders', sourceType: 'database' } as const;

describe('DataSourceError details are typed by code', () => {
  it('narrows details to the code DataSourceError.is names', async () => {
    const registry = new DataSourceRegistry();
    const error: unknown = await failureOf(() => registry.register({ ...orders, name: '' }));

    expect(DataSourceError.is(error, 'INVALID_INPUT')).toBe(true);
    if (!DataSourceError.is(error, 'INVALID_INPUT')) return;
    expectTypeOf(error.details.issues).toEqualTypeOf<readonly InputIssue[]>();
    expect(error.details.issues.map((issue) => issue.path)).toEqual(['name']);
  });

  it('narrows details with a switch on the code of any DataSourceError', async () => {
    const registry = new DataSourceRegistry();
    const source = await registry.register(orders);
    const error = (await failureOf(() =>
      registry.activate(source.sourceId, { expectedVersion: 5 }),
    )) as AnyDataSourceError;

    switch (error.code) {
      case 'CONCURRENCY_CONFLICT':
        expect(error.details).toEqual({
          reason: 'version',
          streamId: source.sourceId,
          expected: 5,
          actual: 1,
        });
        break;
      default:
        expect.unreachable(`expected CONCURRENCY_CONFLICT, got ${error.code}`);
    }
  });

  it('names the tenant, the name and its holder in DUPLICATE_NAME', async () => {
    const registry = new DataSourceRegistry();
    const first = await registry.register(orders);
    const error = await failureOf(() => registry.register({ ...orders, name: ' Orders ' }));

    if (!DataSourceError.is(error, 'DUPLICATE_NAME')) return expect.unreachable(error.code);
    expect(error.details).toMatchObject({ tenantId: 't1', heldBy: first.sourceId });
  });

  it('is false for other errors and other codes', () => {
    const error = new DataSourceError('gone', { code: 'FORBIDDEN' });
    expect(DataSourceError.is(error, 'INVALID_INPUT')).toBe(false);
    expect(DataSourceError.is(error)).toBe(true);
    expect(DataSourceError.is(new Error('plain'))).toBe(false);
  });

  it('requires the details a code always carries when one is built', () => {
    // @ts-expect-error INVALID_INPUT always lists its issues
    const missing = new DataSourceError('bad', { code: 'INVALID_INPUT' });
    const given = new DataSourceError('bad', {
      code: 'INVALID_INPUT',
      details: { issues: [{ path: 'x', message: 'wrong' }] },
    });
    expect(missing.details).toBeUndefined();
    expect(given.details.issues).toHaveLength(1);
  });
});
