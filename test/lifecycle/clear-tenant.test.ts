import { expect, it } from 'vitest';
import { DataSourceRegistry, ErrorCode, type EventStore } from '../../src/index.js';
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
    // A clear that keeps finding new registrations gives up after this long,
    // having written nothing (docs/limits.md); the test then tries again.
    const registry = await registries.open(log, { conflictTimeoutMs: 3_000 });
    // The last position a clear deleted at: every source registered below it
    // was live when that clear committed, so it must be gone. A source whose
    // registration commits while clearTenant is returning comes after it.
    let lastClear = 0;
    let clearedEvents = 0;
    registry.on('DataSourceDeleted', (event) => {
      if (event.data.reason !== 'tenant_cleared') return;
      clearedEvents += 1;
      lastClear = Math.max(lastClear, event.position);
    });
    // Registrations land while clears are under way. A writer registering
    // faster than a clear's round trips can hold clearTenant off until its
    // conflict budget ends, and on a busy machine those round trips take
    // tens of milliseconds: such a clear must fail with the tenant conflict
    // and write nothing, and the next round tries again.
    const child = startChild('tenant-registrar', log, 'acme', 'forever', '40');
    let acknowledgedBefore: string[] = [];
    let cleared = 0;
    try {
      await eventually(
        async () => child.lines.length > 0,
        'the other process registering its first source',
        CHILD_START_MS,
      );
      for (let round = 1; round <= 10 && cleared < 3; round++) {
        const seen = child.lines.length;
        await eventually(
          async () => child.lines.length >= seen + 3,
          'the other process registering three more sources',
        );
        const acknowledged = idsOf(child.lines);
        const before = clearedEvents;
        try {
          await registry.clearTenant('acme');
          cleared += 1;
          acknowledgedBefore = acknowledged;
        } catch (error) {
          expect(error).toMatchObject({
            code: ErrorCode.CONCURRENCY_CONFLICT,
            details: { reason: 'tenant' },
          });
          await registry.refresh();
          expect(clearedEvents).toBe(before);
        }
      }
    } finally {
      child.process.kill();
      await child.exited;
    }

    const fresh = await registries.open(log);
    expect(cleared).toBeGreaterThan(0);
    for (const sourceId of acknowledgedBefore) expect(fresh.get(sourceId)).toBeNull();
    for (const source of fresh.list({ tenantId: 'acme', limit: 1_000_000 })) {
      const [registered] = await fresh.history(source.sourceId);
      expect(registered?.position).toBeGreaterThan(lastClear);
    }
  }, 180_000);
});
