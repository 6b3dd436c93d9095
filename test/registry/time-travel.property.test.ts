/**
 * `registry.at(position)` is the registry exactly as it was then: after
 * random commands, every answer the registry gave after each of them (all
 * sources, each id, each name, lists by tenant, counts, statistics, secrets
 * included) is what `at` answers for the position it had reached, and for
 * the moment its clock showed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataSourceError, type DataSourceRegistry } from '../../src/index.js';
import type { RegistryAt } from '../../src/registry/time-travel.js';
import { plainJson } from '../support/plain.js';
import { propertyRuns } from '../support/property-runs.js';
import { createTestRegistry } from '../support/registry-fixtures.js';
import { IDS, NAMES, type Op, opArbitrary, performOp, TENANTS } from './model.js';

const perform = (registry: DataSourceRegistry, op: Op) =>
  performOp(registry, op, () => Promise.resolve());

type Readable = Pick<RegistryAt, 'get' | 'getByName' | 'list' | 'count' | 'getStatistics'>;

/** Every query's answer, secrets as they are, as one string. */
function answersOf(reader: Readable): string {
  return plainJson({
    all: reader.list({ limit: 1e9 }),
    byId: IDS.map((id) => reader.get(id)),
    stats: reader.getStatistics(),
    byTenant: TENANTS.map((tenantId) => ({
      list: reader.list({ tenantId, limit: 1e9 }),
      page: reader.list({ tenantId, offset: 1, limit: 1 }),
      active: reader.count({ tenantId, status: 'active' }),
      tagged: reader.list({ tenantId, tag: 'prod' }),
      stats: reader.getStatistics(tenantId),
      byName: NAMES.map((name) => reader.getByName(tenantId, name)?.sourceId ?? null),
    })),
  });
}

interface Seen {
  position: number;
  at: Date;
  answers: string;
}

describe('registry.at', () => {
  it('answers at each position exactly what the registry answered when it was there', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { maxLength: 25 }), async (ops) => {
        const { registry, clock } = createTestRegistry();
        const seen: Seen[] = [{ position: 0, at: clock(), answers: answersOf(registry) }];
        for (const op of ops) {
          clock.advance(1_000);
          await perform(registry, op).catch((error: unknown) => {
            if (!(error instanceof DataSourceError)) throw error;
          });
          seen.push({ position: registry.position, at: clock(), answers: answersOf(registry) });
        }
        for (const { position, answers } of seen) {
          const then = await registry.at(position);
          expect(then.position).toBe(position);
          expect(answersOf(then)).toBe(answers);
        }
        for (const { position, at, answers } of seen) {
          const then = await registry.at(at);
          expect(then.position).toBe(position);
          expect(answersOf(then)).toBe(answers);
        }
        await registry.close();
      }),
      { numRuns: propertyRuns(60) },
    );
  });
});
