import { expect, it } from 'vitest';
import { DataSourceRegistry, ErrorCode } from '../../src/index.js';
import { openStore } from '../fixtures/store-spec.js';
import { runChild, SHARED_KEY } from '../support/children.js';
import { describeOnDurableStores, useRegistries } from '../support/durable-stores.js';
import { withFailingReads } from '../support/failing-reads.js';
import { failsWith } from '../support/registry-fixtures.js';

describeOnDurableStores('registry.refresh', (newLog) => {
  const registries = useRegistries();

  it('resolves once the view holds what another process appended before the call', async () => {
    const log = newLog();
    const registry = await registries.open(log);
    await runChild('tenant-registrar', log, 'acme', '3');

    await registry.refresh();

    expect(registry.count({ tenantId: 'acme' })).toBe(3);
  });

  it('rejects with the read error while the log cannot be read, and resolves after', async () => {
    const log = newLog();
    const reads = withFailingReads(openStore(log));
    const registry = await DataSourceRegistry.open({
      store: reads.store,
      encryptionKey: SHARED_KEY,
    });
    try {
      // Cut off before the other process writes, so no notice lets the view read it first.
      reads.failReads(true);
      await runChild('tenant-registrar', log, 'acme', '1');

      await failsWith(() => registry.refresh(), ErrorCode.STORE_ERROR);

      reads.failReads(false);
      await registry.refresh();
      expect(registry.count({ tenantId: 'acme' })).toBe(1);
    } finally {
      await registry.close();
    }
  });
});
