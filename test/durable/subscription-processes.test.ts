import { expect, it } from 'vitest';
import { CHILD_START_MS, type Child, startChild } from '../support/children.js';
import { describeOnDurableStores, useRegistries } from '../support/durable-stores.js';
import { eventually } from '../support/postgres.js';
import { databaseInput } from '../support/registry-fixtures.js';

interface Line {
  position?: number;
  status?: string;
}

const positions = (child: Child) =>
  (child.lines as Line[]).flatMap((line) => (line.position === undefined ? [] : [line.position]));

const live = (child: Child) =>
  eventually(
    async () => (child.lines as Line[]).some((line) => line.status === 'live'),
    'the subscriber to catch up',
    CHILD_START_MS,
  );

describeOnDurableStores('subscriptions across processes', (newLog) => {
  const registries = useRegistries();
  const children: Child[] = [];

  async function stopAll() {
    for (const child of children.splice(0)) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill('SIGKILL');
        await child.exited;
      }
    }
  }

  it('hands every event, in order, to each process running its own subscription', async () => {
    const log = newLog();
    const registry = await registries.open(log);
    await registry.register(databaseInput({ name: 'Before' }));
    try {
      const billing = startChild('subscriber', log, 'billing');
      const search = startChild('subscriber', log, 'search');
      children.push(billing, search);
      await Promise.all([live(billing), live(search)]);

      for (let i = 0; i < 4; i++) await registry.register(databaseInput({ name: `db-${i}` }));

      for (const child of [billing, search]) {
        await eventually(async () => positions(child).length === 5, 'five events in a child');
        expect(positions(child)).toEqual([1, 2, 3, 4, 5]);
      }
    } finally {
      await stopAll();
    }
  }, 120_000);

  it('hands the event over again after a process was killed between handling and checkpointing it', async () => {
    const log = newLog();
    const registry = await registries.open(log);
    for (let i = 0; i < 3; i++) await registry.register(databaseInput({ name: `db-${i}` }));
    try {
      const killed = startChild('subscriber', log, 'billing', '2');
      children.push(killed);
      await eventually(
        async () => positions(killed).includes(2),
        'the handler to get event 2',
        CHILD_START_MS,
      );
      killed.process.kill('SIGKILL');
      await killed.exited;

      const resumed = startChild('subscriber', log, 'billing');
      children.push(resumed);
      await live(resumed);

      expect(positions(killed)).toEqual([1, 2]);
      expect(positions(resumed)).toEqual([2, 3]);
    } finally {
      await stopAll();
    }
  }, 120_000);
});
