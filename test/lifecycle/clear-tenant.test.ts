import { expect, it } from 'vitest';
import { runChild, startChild } from '../support/children.js';
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

  it('leaves no source live that another process registered before the call returned', async () => {
    const log = newLog();
    const registry = await registries.open(log);
    const child = startChild('tenant-registrar', log, 'acme', 'forever');
    const registeredBefore: string[][] = [];
    try {
      for (let round = 1; round <= 3; round++) {
        const seen = child.lines.length;
        await eventually(
          async () => child.lines.length >= seen + 3,
          'the other process registering three more sources',
        );
        await registry.clearTenant('acme');
        registeredBefore.push(idsOf(child.lines));
      }
    } finally {
      child.process.kill();
      await child.exited;
    }

    const fresh = await registries.open(log);
    for (const sourceId of registeredBefore.flat()) expect(fresh.get(sourceId)).toBeNull();
  }, 60_000);
});
