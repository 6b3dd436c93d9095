import { expect, it } from 'vitest';
import { DataSourceRegistry, type EventStore } from '../../src/index.js';
import { openStore } from '../fixtures/store-spec.js';
import { CHILD_START_MS, runChild, SHARED_KEY, startChild } from '../support/children.js';
import { describeOnDurableStores, useRegistries } from '../support/durable-stores.js';
import { eventually } from '../support/postgres.js';

const idsOf = (lines: readonly unknown[]) =>
  lines.map((line) => (line as { sourceId: string }).sourceId);

describeOnDurableStores('clearTenant with other processes on the log', (newLog) => {
  const registries = useRegistries();

  it('deletes the sources another process registered after this registry last read the log', async () => {
    const log = newLog();
    const registry = await registries.open(log);
    await registry.register({ tenantId: 'acme', name: 'Own', sourceType: 'api' });
    const theirs = idsOf(await runChild('tenant-registrar', log, 'acme', '5'));

    expect(await registry.clearTenant('acme')).toBe(6);

    const fresh = await registries.open(log);
    expect(fresh.count({ tenantId: 'acme' })).toBe(0);
    for (const sourceId of theirs) expect(fresh.get(sourceId)).toBeNull();
  });

  it('deletes sources registered elsewhere before any notice of them arrived', async () => {
    const log = newLog();
    const store = openStore(log);
    // Notices travel on their own connection and may come late: this registry hears none.
    const deaf: EventStore = { ...store, subscribe: () => () => {} };
    const registry = await DataSourceRegistry.open({ store: deaf, encryptionKey: SHARED_KEY });
    try {
      await registry.register({ tenantId: 'acme', name: 'Own', sourceType: 'api' });
      const theirs = idsOf(await runChild('tenant-registrar', log, 'acme', '5'));

      expect(await registry.clearTenant('acme')).toBe(6);

      const fresh = await registries.open(log);
      for (const sourceId of theirs) expect(fresh.get(sourceId)).toBeNull();
    } finally {
      await registry.close();
    }
  });

  it('clears a source another process registered between its read of the log and its append', async () => {
    const log = newLog();
    const store = openStore(log);
    let sneaked: string[] = [];
    // The first append of the clear waits until another process has registered one more source.
    const racing: EventStore = {
      ...store,
      async append(request) {
        const clearing = request.events.every((event) => event.type === 'DataSourceDeleted');
        if (clearing && sneaked.length === 0) {
          sneaked = idsOf(await runChild('tenant-registrar', log, 'acme', '1'));
        }
        return store.append(request);
      },
    };
    const registry = await DataSourceRegistry.open({ store: racing, encryptionKey: SHARED_KEY });
    try {
      await registry.register({ tenantId: 'acme', name: 'Own', sourceType: 'api' });

      expect(await registry.clearTenant('acme')).toBe(2);

      const fresh = await registries.open(log);
      expect(sneaked).toHaveLength(1);
      expect(fresh.count({ tenantId: 'acme' })).toBe(0);
    } finally {
      await registry.close();
    }
  });

  it('leaves no source live that another process registered before the clear committed', async () => {
    const log = newLog();
    const registry = await registries.open(log);
    // The last position a clear deleted at: every source registered below it
    // was live when that clear committed, so it must be gone. A source whose
    // registration commits while clearTenant is returning comes after it.
    let lastClear = 0;
    registry.on('DataSourceDeleted', (event) => {
      if (event.data.reason === 'tenant_cleared') lastClear = Math.max(lastClear, event.position);
    });
    // Registrations land while clears are under way, but not back to back: a
    // writer registering faster than a clear's round trips holds clearTenant
    // off until its conflict budget ends (docs/limits.md), and on a busy
    // machine those round trips take tens of milliseconds.
    const child = startChild('tenant-registrar', log, 'acme', 'forever', '40');
    const acknowledgedBefore: string[] = [];
    try {
      await eventually(
        async () => child.lines.length > 0,
        'the other process registering its first source',
        CHILD_START_MS,
      );
      for (let round = 1; round <= 5; round++) {
        const seen = child.lines.length;
        await eventually(
          async () => child.lines.length >= seen + 3,
          'the other process registering three more sources',
        );
        acknowledgedBefore.push(...idsOf(child.lines));
        await registry.clearTenant('acme');
      }
    } finally {
      child.process.kill();
      await child.exited;
    }

    const fresh = await registries.open(log);
    expect(lastClear).toBeGreaterThan(0);
    for (const sourceId of acknowledgedBefore) expect(fresh.get(sourceId)).toBeNull();
    for (const source of fresh.list({ tenantId: 'acme', limit: 1_000_000 })) {
      const [registered] = await fresh.history(source.sourceId);
      expect(registered?.position).toBeGreaterThan(lastClear);
    }
  }, 120_000);
});
