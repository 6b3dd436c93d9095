/**
 * Lists are kept in order as sources join, leave, are renamed and retagged,
 * across many more sources than one chunk of the order holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendInOrder,
  compareEntries,
  emptyListOrder,
  insertEntry,
  type ListEntry,
  removeEntry,
  visitFrom,
} from '../../src/projections/list-order.js';
import { propertyRuns } from '../support/property-runs.js';
import { createTestRegistry, databaseInput } from '../support/registry-fixtures.js';

function idsOf(order: ReturnType<typeof emptyListOrder>, offset = 0): string[] {
  const ids: string[] = [];
  visitFrom(order, offset, (id) => {
    ids.push(id);
    return true;
  });
  return ids;
}

const entryOf = (name: string, id: string): ListEntry => ({ key: name.toLowerCase(), name, id });

describe('the list order', () => {
  it('holds the entries sorted after any inserts and removals, past the size of a chunk', () => {
    const op = fc.record({
      remove: fc.boolean(),
      name: fc.constantFrom('a', 'B', 'b', 'c', 'Zed', 'z', 'm'),
      id: fc.integer({ min: 0, max: 1999 }).map((n) => `id-${n}`),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1500, maxLength: 3000 }), fc.nat(1500), (ops, at) => {
        const order = emptyListOrder();
        const model = new Map<string, ListEntry>();
        for (const { remove, name, id } of ops) {
          const entry = entryOf(name, id);
          const key = `${name}\u0000${id}`;
          if (remove) {
            removeEntry(order, entry);
            model.delete(key);
          } else if (!model.has(key)) {
            insertEntry(order, entry);
            model.set(key, entry);
          }
        }
        const expected = [...model.values()].sort(compareEntries).map((e) => e.id);
        expect(order.size).toBe(expected.length);
        expect(idsOf(order)).toEqual(expected);
        expect(idsOf(order, at)).toEqual(expected.slice(at));
      }),
      { numRuns: propertyRuns(25) },
    );
  });

  it('lists a large tenant in name order after renames, tag changes and deletions', async () => {
    const { registry } = createTestRegistry();
    const ids: string[] = [];
    for (let i = 0; i < 1200; i++) {
      const source = await registry.register(
        databaseInput({ name: `source ${(i * 7919) % 1200}`, tags: i % 3 === 0 ? ['eu'] : [] }),
      );
      ids.push(source.sourceId);
    }
    for (let i = 0; i < 1200; i += 5)
      await registry.update(ids[i] as string, { name: `Renamed ${i}` });
    for (let i = 1; i < 1200; i += 7) await registry.addTag(ids[i] as string, 'eu');
    for (let i = 2; i < 1200; i += 11) await registry.delete(ids[i] as string);

    const everything = registry.list({ tenantId: 'acme', limit: 10_000 });
    const key = (s: { name: string; sourceId: string }) => [
      s.name.toLowerCase(),
      s.name,
      s.sourceId,
    ];
    const sorted = [...everything].sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      for (let k = 0; k < 3; k++)
        if (x[k] !== y[k]) return (x[k] as string) < (y[k] as string) ? -1 : 1;
      return 0;
    });
    expect(everything.map((s) => s.sourceId)).toEqual(sorted.map((s) => s.sourceId));
    expect(everything).toHaveLength(1200 - ids.filter((_, i) => i % 11 === 2).length);
    const tagged = registry.list({ tenantId: 'acme', tag: 'eu', limit: 10_000 });
    expect(tagged).toEqual(everything.filter((s) => s.tags.includes('eu')));
    expect(registry.list({ tag: 'eu', offset: 100, limit: 50 })).toEqual(tagged.slice(100, 150));
    expect(registry.count({ tag: 'eu' })).toBe(tagged.length);
  });
});

describe('an order filled in list order on restore', () => {
  it('holds the same entries as one filled by inserts, and keeps order through later changes', () => {
    const entries = Array.from({ length: 1300 }, (_, i) =>
      entryOf(`n${(i * 7919) % 1300}`, `id-${i}`),
    );
    const sorted = [...entries].sort(compareEntries);
    const appended = emptyListOrder();
    for (const entry of sorted) appendInOrder(appended, entry);
    const inserted = emptyListOrder();
    for (const entry of entries) insertEntry(inserted, entry);
    expect(appended.size).toBe(1300);
    expect(idsOf(appended)).toEqual(idsOf(inserted));
    expect(idsOf(appended, 700)).toEqual(idsOf(inserted, 700));
    // Chunks are left half full, so a change after the restore splices a short chunk.
    expect(Math.max(...appended.chunks.map((chunk) => chunk.length))).toBe(256);

    const added = entryOf('n500', 'id-new');
    insertEntry(appended, added);
    removeEntry(appended, sorted[3] as ListEntry);
    const expected = [...sorted.filter((e) => e !== sorted[3]), added].sort(compareEntries);
    expect(idsOf(appended)).toEqual(expected.map((e) => e.id));
  });
});
