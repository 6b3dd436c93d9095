/**
 * A registry on a memory store hears of every append as it happens, so once
 * it has caught up it has no reason to read the log until the next append.
 */
import { expect, it } from 'vitest';
import { createMemoryEventStore, DataSourceRegistry, type EventStore } from '../../src/index.js';
import { databaseInput } from '../support/registry-fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The memory store, counting the reads of its log. */
function countingReads() {
  const store = createMemoryEventStore();
  const counted = { reads: 0 };
  const wrapped: EventStore = {
    ...store,
    readAll(options) {
      counted.reads += 1;
      return store.readAll(options);
    },
  };
  return { store: wrapped, raw: store, counted };
}

it('a registry that has caught up reads nothing more while the log stands still', async () => {
  const { store, raw, counted } = countingReads();
  const registry = new DataSourceRegistry({ store });
  const other = new DataSourceRegistry({ store: raw });
  const { sourceId } = await other.register(databaseInput());
  await registry.refresh();
  await registry.activate(sourceId);
  const before = counted.reads;

  // Long enough for a follower that kept polling to read many times over.
  await sleep(100);

  expect(counted.reads).toBe(before);
  expect(registry.get(sourceId)?.status).toBe('active');
  await Promise.all([registry.close(), other.close()]);
});
