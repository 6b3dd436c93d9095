import { describe, expect, it } from 'vitest';
import { DataSourceRegistry, ErrorCode } from '../../src/index.js';
import { openStore } from '../fixtures/store-spec.js';
import { CHILD_START_MS, SHARED_KEY, startChild } from '../support/children.js';
import { describeOnDurableStores, useRegistries } from '../support/durable-stores.js';
import { withFailingReads } from '../support/failing-reads.js';
import { eventually } from '../support/postgres.js';
import { createTestRegistry, databaseInput, failsWith } from '../support/registry-fixtures.js';

describeOnDurableStores('registry.close during traffic', (newLog) => {
  const registries = useRegistries();

  it('lets every command accepted before close() finish, then closes', async () => {
    const log = newLog();
    const registry = await DataSourceRegistry.open({
      store: openStore(log),
      encryptionKey: SHARED_KEY,
    });
    const sources = await Promise.all(
      Array.from({ length: 4 }, (_, i) => registry.register(databaseInput({ name: `db-${i}` }))),
    );
    const commands = Array.from({ length: 40 }, (_, i) =>
      registry.recordConnection(sources[i % 4]?.sourceId ?? ''),
    );

    await registry.close();
    const results = await Promise.allSettled(commands);

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(40);
    const fresh = await registries.open(log);
    expect(fresh.getStatistics().totalConnections).toBe(40);
  });

  it('closes the store it was given when open() fails', async () => {
    const log = newLog();
    const store = openStore(log);
    const reads = withFailingReads(store);
    reads.failReads(true);

    await failsWith(
      () => DataSourceRegistry.open({ store: reads.store, encryptionKey: SHARED_KEY }),
      ErrorCode.STORE_ERROR,
    );

    const error = await store.head().then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toMatchObject({ code: ErrorCode.STORE_ERROR, message: /closed/ });
  });

  it('closes the store it was given when open() refuses its options', async () => {
    const store = openStore(newLog());

    await failsWith(
      () => DataSourceRegistry.open({ store, encryptionKey: SHARED_KEY, conflictTimeoutMs: -1 }),
      ErrorCode.INVALID_INPUT,
    );

    await expect(store.head()).rejects.toMatchObject({ code: ErrorCode.STORE_ERROR });
  });

  it('lets a script that never calls close() exit by itself', async () => {
    const child = startChild('forgets-close', newLog());
    let code: number | null | undefined;
    void child.exited.then((exit) => {
      code = exit;
    });

    await eventually(
      async () => child.lines.length > 0,
      'the script to run its command',
      CHILD_START_MS,
    );
    // A script held open by a handle never exits; one that exits may still
    // take seconds to get the processor on a busy machine.
    await eventually(
      async () => code !== undefined,
      'the script to exit by itself',
      15_000,
    ).finally(() => child.process.kill());
    expect(code).toBe(0);
  }, 90_000);
});

describe('a closed registry', () => {
  it('answers queries with FORBIDDEN instead of from a view that no longer follows the log', async () => {
    const { registry } = createTestRegistry();
    const { sourceId } = await registry.register(databaseInput());

    await registry.close();

    await failsWith(() => registry.get(sourceId), ErrorCode.FORBIDDEN);
    await failsWith(() => registry.getByName('acme', 'Orders DB'), ErrorCode.FORBIDDEN);
    await failsWith(() => registry.list(), ErrorCode.FORBIDDEN);
    await failsWith(() => registry.count(), ErrorCode.FORBIDDEN);
    await failsWith(() => registry.getStatistics(), ErrorCode.FORBIDDEN);
    await failsWith(() => registry.history(sourceId), ErrorCode.FORBIDDEN);
  });

  it('refuses new listeners and refresh() with FORBIDDEN', async () => {
    const { registry } = createTestRegistry();

    await registry.close();

    await failsWith(() => registry.on('*', () => {}), ErrorCode.FORBIDDEN);
    await failsWith(() => registry.refresh(), ErrorCode.FORBIDDEN);
  });
});
