/**
 * A purge and other instances writing or reading the same tenant, on the
 * durable stores. A barrier puts the purge exactly where the race would hurt:
 * after another instance sealed a secret under the tenant's key, before its
 * append.
 */
import { expect, it } from 'vitest';
import { PURGED_SECRET } from '../../src/domain/secrets.js';
import { DataSourceRegistry, DataSourceType, type EventStore } from '../../src/index.js';
import { describeEachDurableStore, TEST_ENCRYPTION_KEY } from '../support/store-matrix.js';

/** The store, with `before` run once, when the first append has been sealed and not yet written. */
function pausingFirstAppend(store: EventStore, before: () => Promise<unknown>): EventStore {
  let paused = false;
  return {
    ...store,
    async append(request) {
      if (!paused) {
        paused = true;
        await before();
      }
      return store.append(request);
    },
  };
}

const orders = (password: string) => ({
  tenantId: 'acme',
  name: 'Orders',
  sourceType: DataSourceType.DATABASE,
  config: { password },
});

describeEachDurableStore('a purge racing another instance', (harness) => {
  it('makes a secret sealed under the destroyed key be sealed again under the next one', async () => {
    const { registry: purger, openStore } = await harness.createRegistry();
    await purger.register(orders('old-pw-Xk30'));
    const writer = await DataSourceRegistry.open({
      store: pausingFirstAppend(openStore(), () => purger.purgeTenant('acme')),
      encryptionKey: TEST_ENCRYPTION_KEY,
    });

    try {
      const billing = await writer.register({ ...orders('new-pw-Lm84'), name: 'Billing' });
      const restarted = await DataSourceRegistry.open({
        store: openStore(),
        encryptionKey: TEST_ENCRYPTION_KEY,
      });

      expect(writer.get(billing.sourceId)?.config.password).toBe('new-pw-Lm84');
      expect(restarted.get(billing.sourceId)?.config.password).toBe('new-pw-Lm84');
      expect(restarted.count({ tenantId: 'acme' })).toBe(1);
      await restarted.close();
    } finally {
      await writer.close();
    }
  });

  it('stops another instance opening the tenant’s old secrets once it reads the purge', async () => {
    const { registry: purger, openStore } = await harness.createRegistry();
    const source = await purger.register(orders('old-pw-Xk30'));
    const reader = await DataSourceRegistry.open({
      store: openStore(),
      encryptionKey: TEST_ENCRYPTION_KEY,
    });
    const registered = reader.position;
    const before = await reader.at(registered);

    await purger.purgeTenant('acme');
    await reader.refresh();
    const after = await reader.at(registered);

    expect(before.get(source.sourceId)?.config.password).toBe('old-pw-Xk30');
    expect(after.get(source.sourceId)?.config.password).toBe(PURGED_SECRET);
    expect(reader.count({ tenantId: 'acme' })).toBe(0);
    await reader.close();
  });
});
