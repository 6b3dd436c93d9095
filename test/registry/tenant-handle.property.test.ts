/**
 * Random commands through several tenant handles (several tenants, some with
 * roles, one sharing a tenant with another) on one registry: no handle ever
 * changes or sees another tenant's source, or a source its roles may not
 * use, and each handle's view is the registry's view filtered to its tenant
 * and roles.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  type CustomerDataSource,
  DataSourceError,
  type DataSourceRegistry,
  ErrorCode,
  type TenantHandle,
} from '../../src/index.js';
import { propertyRuns } from '../support/property-runs.js';
import { recount } from '../support/registry-fixtures.js';
import { describeEachStore, type StoreHarness } from '../support/store-matrix.js';

const HANDLES = [
  { tenant: 'acme' },
  { tenant: 'acme', roles: ['analyst'] },
  { tenant: 'acme', roles: [] },
  { tenant: 'globex', roles: ['admin', 'analyst'] },
  { tenant: 'globex' },
  { tenant: 'initech', roles: ['admin'] },
] as const;
const IDS = ['s0', 's1', 's2', 's3', 's4', 's5'];
const NAMES = ['Orders', 'Billing', 'Events'];
const ROLES = ['analyst', 'admin', 'ops'];

const role = fc.constantFrom(...ROLES);
const id = fc.constantFrom(...IDS);
const handle = fc.nat({ max: HANDLES.length - 1 });

const opArbitrary = fc.oneof(
  fc.record({
    kind: fc.constant('register' as const),
    handle,
    id,
    name: fc.constantFrom(...NAMES),
    accessRoles: fc.subarray(ROLES, { maxLength: 2 }),
  }),
  fc.record({ kind: fc.constant('rename' as const), handle, id, name: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constantFrom('activate' as const, 'delete' as const), handle, id }),
  fc.record({
    kind: fc.constantFrom('grantAccess' as const, 'revokeAccess' as const),
    handle,
    id,
    role,
  }),
  fc.record({ kind: fc.constant('clearTenant' as const), handle }),
);
type Op = typeof opArbitrary extends fc.Arbitrary<infer T> ? T : never;

function perform(scoped: TenantHandle, op: Op): Promise<unknown> {
  switch (op.kind) {
    case 'register':
      return scoped.register({
        sourceId: op.id,
        name: op.name,
        sourceType: 'database',
        accessRoles: op.accessRoles,
        config: { host: 'db', password: `secret-${op.id}` },
      });
    case 'rename':
      return scoped.update(op.id, { name: op.name });
    case 'activate':
    case 'delete':
      return scoped[op.kind](op.id);
    case 'grantAccess':
    case 'revokeAccess':
      return scoped[op.kind](op.id, op.role);
    case 'clearTenant':
      return scoped.clearTenant();
  }
}

/** What the handle may see of a source, judged from the registry's own view. */
function visibleTo(spec: (typeof HANDLES)[number], source: CustomerDataSource): boolean {
  if (source.tenantId !== spec.tenant) return false;
  const roles: readonly string[] | undefined = 'roles' in spec ? spec.roles : undefined;
  return (
    roles === undefined ||
    source.accessRoles.length === 0 ||
    roles.some((held) => source.accessRoles.includes(held))
  );
}

const everything = { limit: Number.MAX_SAFE_INTEGER };

function expectViewsAgree(registry: DataSourceRegistry, handles: readonly TenantHandle[]) {
  HANDLES.forEach((spec, i) => {
    const scoped = handles[i] as TenantHandle;
    const expected = registry.list(everything).filter((source) => visibleTo(spec, source));
    expect(scoped.list(everything)).toEqual(expected);
    expect(scoped.count()).toBe(expected.length);
    expect(scoped.getStatistics()).toEqual(recount(expected));
    for (const sourceId of IDS) {
      const source = registry.get(sourceId);
      expect(scoped.get(sourceId)).toEqual(source && visibleTo(spec, source) ? source : null);
    }
    for (const name of NAMES) {
      const source = registry.getByName(spec.tenant, name);
      expect(scoped.getByName(name)).toEqual(source && visibleTo(spec, source) ? source : null);
    }
  });
}

/** Fewer runs where each one opens a file or a schema. */
const RUNS = { memory: 60, sqlite: 12, postgres: 6 } as const;

describeEachStore('tenant handles over random commands', (harness: StoreHarness) => {
  it('never touch or show what is not theirs, and show exactly the registry filtered to it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { minLength: 1, maxLength: 25 }), async (ops) => {
        const { registry, release } = await harness.createRegistry();
        const handles = HANDLES.map((spec) =>
          registry.forTenant(spec.tenant, 'roles' in spec ? { roles: spec.roles } : {}),
        );
        try {
          for (const op of ops) {
            const spec = HANDLES[op.handle] as (typeof HANDLES)[number];
            const scoped = handles[op.handle] as TenantHandle;
            const target = 'id' in op ? registry.get(op.id) : null;
            const before = registry.position;
            let outcome: unknown;
            try {
              outcome = await perform(scoped, op);
            } catch (error) {
              if (!(error instanceof DataSourceError)) throw error;
              outcome = error;
            }
            if (op.kind !== 'register' && target !== null && !visibleTo(spec, target)) {
              // Another tenant's source, or one hidden from the roles: refused, nothing written.
              expect((outcome as DataSourceError).code).toBe(ErrorCode.FORBIDDEN);
              expect(registry.position).toBe(before);
              expect(registry.get(target.sourceId)).toEqual(target);
            }
            if (op.kind === 'clearTenant' && 'roles' in spec) {
              expect((outcome as DataSourceError).code).toBe(ErrorCode.FORBIDDEN);
            }
            if (typeof outcome === 'object' && outcome !== null && 'sourceId' in outcome) {
              if (!(outcome instanceof DataSourceError)) {
                // A source handed back is the handle's own and one it may see.
                expect(visibleTo(spec, outcome as CustomerDataSource)).toBe(true);
              }
            }
            const after = 'id' in op ? registry.get(op.id) : null;
            if (target !== null && visibleTo(spec, target) && after !== null) {
              // No command through a handle hides from it a source it could see.
              expect(visibleTo(spec, after)).toBe(true);
            }
            expectViewsAgree(registry, handles);
          }
          for (const [i, spec] of HANDLES.entries()) {
            for (const sourceId of IDS) {
              const history = await registry.history(sourceId);
              const shown = await (handles[i] as TenantHandle).history(sourceId);
              if (history[0]?.tenantId !== spec.tenant) expect(shown).toEqual([]);
              const live = registry.get(sourceId);
              if (live !== null) expect(shown).toEqual(visibleTo(spec, live) ? history : []);
            }
          }
        } finally {
          await release();
        }
      }),
      { numRuns: propertyRuns(RUNS[harness.kind]) },
    );
  });
});
