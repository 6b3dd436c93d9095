import { expect, it } from 'vitest';
import { DataSourceRegistry, ErrorCode, type FollowError } from '../../src/index.js';
import { openStore } from '../fixtures/store-spec.js';
import { SHARED_KEY } from '../support/children.js';
import { describeOnDurableStores, useRegistries } from '../support/durable-stores.js';
import { withFailingReads } from '../support/failing-reads.js';
import { eventually } from '../support/postgres.js';
import { databaseInput } from '../support/registry-fixtures.js';

describeOnDurableStores('a command whose events the store committed', (newLog) => {
  const registries = useRegistries();

  it('resolves with its result although reading the log back afterwards fails', async () => {
    const log = newLog();
    const other = await registries.open(log);
    const { sourceId } = await other.register(databaseInput());
    const reads = withFailingReads(openStore(log));
    const registry = await DataSourceRegistry.open({
      store: reads.store,
      encryptionKey: SHARED_KEY,
    });
    try {
      reads.failReads(true);
      await other.recordConnection(sourceId);

      const source = await registry.recordConnection(sourceId);

      expect(source).toMatchObject({ sourceId, connectionCount: 2, version: 3 });
      expect(source?.config.password).toBe(databaseInput().config?.password);
      const fresh = await registries.open(log);
      expect(fresh.get(sourceId)?.connectionCount).toBe(2);
    } finally {
      await registry.close();
    }
  });

  it('reports the failed read as followError and catches up once reads work again', async () => {
    const log = newLog();
    const other = await registries.open(log);
    const { sourceId } = await other.register(databaseInput());
    const reads = withFailingReads(openStore(log));
    const registry = await DataSourceRegistry.open({
      store: reads.store,
      encryptionKey: SHARED_KEY,
    });
    const failures: FollowError[] = [];
    registry.on('followError', (failure) => failures.push(failure));
    try {
      reads.failReads(true);
      await other.recordConnection(sourceId);
      await registry.recordConnection(sourceId);

      await eventually(async () => failures.length > 0, 'a failed read reported as followError');
      expect(failures[0]).toMatchObject({ attempt: 1, error: { code: ErrorCode.STORE_ERROR } });
      expect(failures[0]?.retryInMs).toBeGreaterThan(0);
      reads.failReads(false);
      await eventually(
        async () => registry.get(sourceId)?.connectionCount === 2,
        'the view to catch up with both connections once reads work',
      );
    } finally {
      await registry.close();
    }
  });
});
