/**
 * A command resolves once its registry shows what it wrote, also when
 * another registry appended before it: the events in between are read and
 * applied first, in log order.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryEventStore } from '../../src/index.js';
import { createTestRegistry, databaseInput } from '../support/registry-fixtures.js';

describe('a command that another registry got ahead of', () => {
  it('resolves with its registry showing its own write and the other one before it', async () => {
    const store = createMemoryEventStore();
    const { registry: ours } = createTestRegistry({ store });
    const { registry: theirs } = createTestRegistry({ store });
    const before = await theirs.register(databaseInput({ sourceId: 'theirs', name: 'Theirs' }));

    const mine = await ours.register(databaseInput({ sourceId: 'ours', name: 'Ours' }));

    expect(ours.get(mine.sourceId)?.name).toBe('Ours');
    expect(ours.get(before.sourceId)?.name).toBe('Theirs');
    expect(ours.position).toBe(2);
    expect(ours.list({ tenantId: 'acme' }).map((source) => source.sourceId)).toEqual([
      'ours',
      'theirs',
    ]);
  });
});
