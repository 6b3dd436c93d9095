/**
 * A registry on a memory store hears of every append as it happens, so once
 * it has caught up it has no reason to read the log until the next append.
 */
import { expect, it } from 'vitest';
import { createMemoryEventStore, DataSourceRegistry } from '../../src/index.js';
import { withFailingReads } from '../support/failing-reads.js';
import { databaseInput } from '../support/registry-fixtures.js';

it('a registry that has caught up reads nothing more while the log stands still', async () => {
  const store = createMemoryEventStore();
  const counted = withFailingReads(store);
  const registry = new DataSourceRegistry({ store: counted.store });
  const other = new DataSourceRegistry({ store });
  const { sourceId } = await other.register(databaseInput());
  await registry.refresh();
  await registry.activate(sourceId);
  const before = counted.reads;

  // Long enough for a follower that kept polling (every 5 ms) to read many times over.
  await new Promise((resolve) => setTimeout(resolve, 100));

  expect(counted.reads).toBe(before);
  expect(registry.get(sourceId)?.status).toBe('active');
  await Promise.all([registry.close(), other.close()]);
});
