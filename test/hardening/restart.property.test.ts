/**
 * What the registry accepts survives a restart unchanged: sources registered
 * and changed with arbitrary text (astral, combining, right-to-left, control
 * characters, lone surrogates, NUL) on SQLite and PostgreSQL, then read by a
 * fresh registry on the same store, give exactly the same state. Text a store
 * would alter is refused with INVALID_INPUT instead.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DataSourceError,
  type DataSourceRegistry,
  type DataSourceType,
  ErrorCode,
} from '../../src/index.js';
import { useDurableLogs } from '../support/durable-registries.js';
import { hostileText } from '../support/hostile-text.js';
import { propertyRuns } from '../support/property-runs.js';
import { snapshotOf } from '../support/registry-fixtures.js';

type Op =
  | {
      kind: 'register';
      tenantId: string;
      name: string;
      sourceType: DataSourceType;
      tags: string[];
      metadata: Record<string, string>;
      description: string;
    }
  | { kind: 'rename'; target: number; name: string }
  | { kind: 'addTag' | 'grantAccess' | 'recordError'; target: number; text: string }
  | { kind: 'metadata'; target: number; metadata: Record<string, string> }
  | { kind: 'clearTenant'; tenantId: string };

/** Tenants: a few spellings that normalize alike, and arbitrary text. */
const tenant = fc.oneof(fc.constantFrom('caf\u00e9', 'cafe\u0301', ' café '), hostileText());
const target = fc.nat({ max: 7 });
const dictionary = fc.dictionary(hostileText(2), hostileText(3), { maxKeys: 3 });

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('register' as const),
      tenantId: tenant,
      name: hostileText(),
      sourceType: fc.constantFrom('database', 'api', 'vector') as fc.Arbitrary<DataSourceType>,
      tags: fc.array(hostileText(2), { maxLength: 3 }),
      metadata: dictionary,
      description: hostileText(),
    }),
  },
  fc.record({ kind: fc.constant('rename' as const), target, name: hostileText() }),
  fc.record({
    kind: fc.constantFrom('addTag' as const, 'grantAccess' as const, 'recordError' as const),
    target,
    text: hostileText(),
  }),
  fc.record({ kind: fc.constant('metadata' as const), target, metadata: dictionary }),
  fc.record({ kind: fc.constant('clearTenant' as const), tenantId: tenant }),
);

/** Refusals a command may meet; anything else (a raw error, STORE_ERROR) fails the property. */
const EXPECTED = new Set<string>([ErrorCode.INVALID_INPUT, ErrorCode.DUPLICATE_NAME]);

async function run(registry: DataSourceRegistry, ids: string[], o: Op): Promise<void> {
  const id = ids[('target' in o ? o.target : 0) % Math.max(1, ids.length)] ?? 'none';
  try {
    switch (o.kind) {
      case 'register': {
        const { kind: _, ...input } = o;
        ids.push((await registry.register(input)).sourceId);
        return;
      }
      case 'rename':
        await registry.update(id, { name: o.name });
        return;
      case 'metadata':
        await registry.update(id, { metadata: o.metadata });
        return;
      case 'addTag':
        await registry.addTag(id, o.text);
        return;
      case 'grantAccess':
        await registry.grantAccess(id, o.text);
        return;
      case 'recordError':
        await registry.recordError(id, o.text);
        return;
      case 'clearTenant':
        await registry.clearTenant(o.tenantId);
        return;
    }
  } catch (error) {
    if (!(error instanceof DataSourceError) || !EXPECTED.has(error.code)) throw error;
  }
}

describe('a restart', () => {
  const freshLogs = useDurableLogs('restart');

  it('gives exactly the state that was written, whatever text was accepted', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        for (const place of freshLogs()) {
          const writer = await place.open();
          const ids: string[] = [];
          for (const o of ops) await run(writer, ids, o);
          const reader = await place.open();
          expect(snapshotOf(reader), place.kind).toBe(snapshotOf(writer));
          expect(reader.position, place.kind).toBe(writer.position);
          await writer.close();
          await reader.close();
        }
      }),
      { numRuns: propertyRuns(25) },
    );
  }, 120_000);
});
