import fc from 'fast-check';
import { expect, it } from 'vitest';
import { DataSourceRegistry } from '../../src/index.js';
import { eventually } from '../support/postgres.js';
import { propertyRuns } from '../support/property-runs.js';
import { databaseInput } from '../support/registry-fixtures.js';

it('hands over each event once, in log order, whichever events the handler first fails on', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 0, max: 12 }),
      async (failuresPerEvent, appendedLive) => {
        const registry = new DataSourceRegistry();
        registry.on('subscriptionError', () => {});
        const total = failuresPerEvent.length + appendedLive;
        for (let i = 0; i < failuresPerEvent.length; i++) {
          await registry.register(databaseInput({ name: `before-${i}` }));
        }
        const failed = new Map<number, number>();
        const handled: number[] = [];
        const subscription = registry.subscribe({
          name: 'property',
          maxAttempts: 3,
          retryDelayMs: 0,
          handler: (event) => {
            const owed = failuresPerEvent[(event.position - 1) % failuresPerEvent.length] ?? 0;
            const so = failed.get(event.position) ?? 0;
            if (so < owed) {
              failed.set(event.position, so + 1);
              throw new Error(`fails ${owed} times`);
            }
            handled.push(event.position);
          },
        });
        for (let i = 0; i < appendedLive; i++) {
          await registry.register(databaseInput({ name: `live-${i}` }));
        }
        await eventually(async () => handled.length >= total, `${total} events handled`);
        await registry.close();
        expect(handled).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        expect(subscription.status).toBe('stopped');
      },
    ),
    { numRuns: propertyRuns(40) },
  );
});
