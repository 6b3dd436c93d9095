/**
 * A registry opened from a snapshot and the tail of the log is the registry
 * a full replay gives: after random commands, with snapshots taken on demand
 * and every few events at random points, every query answers the same,
 * secrets included, on SQLite and PostgreSQL.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { DataSourceError, DataSourceRegistry } from '../../src/index.js';
import { openStore } from '../fixtures/store-spec.js';
import { SHARED_KEY } from '../support/children.js';
import { describeOnDurableStores } from '../support/durable-stores.js';
import { propertyRuns } from '../support/property-runs.js';
import { answersOf, hearSnapshots, withoutSnapshots } from '../support/snapshots.js';
import { IDS, NAMES, opArbitrary, performOp, TENANTS } from './model.js';

const scope = { ids: IDS, tenants: TENANTS, names: NAMES };

const stepArbitrary = fc.record({ op: opArbitrary, snapshotAfter: fc.boolean() });

describeOnDurableStores('a registry opened from a snapshot', (newLog) => {
  it('answers every query as a full replay of the same log does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArbitrary, { maxLength: 25 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        async (steps, snapshotEvery) => {
          const heard = hearSnapshots();
          const spec = newLog();
          const writer = await DataSourceRegistry.open({
            store: openStore(spec),
            encryptionKey: SHARED_KEY,
            ...(snapshotEvery === undefined ? {} : { snapshotEvery }),
          });
          for (const { op, snapshotAfter } of steps) {
            await performOp(writer, op, () => Promise.resolve()).catch((error: unknown) => {
              if (!(error instanceof DataSourceError)) throw error;
            });
            if (snapshotAfter) await writer.snapshot();
          }
          // Waits for a snapshot still being written in the background.
          await writer.close();
          const written = heard.filter((message) => message.action === 'written');

          const restored = await DataSourceRegistry.open({
            store: openStore(spec),
            encryptionKey: SHARED_KEY,
          });
          const replayed = await DataSourceRegistry.open({
            store: withoutSnapshots(openStore(spec)),
            encryptionKey: SHARED_KEY,
          });
          try {
            const loaded = heard.filter((message) => message.action === 'loaded');
            // Not vacuous: whenever a snapshot was written, the restore started from one.
            expect(loaded.length).toBe(written.length > 0 ? 1 : 0);
            expect(heard.filter((message) => message.action === 'ignored')).toEqual([]);
            expect(answersOf(restored, scope)).toBe(answersOf(replayed, scope));
          } finally {
            await restored.close();
            await replayed.close();
          }
        },
      ),
      { numRuns: propertyRuns(25) },
    );
  }, 120_000);
});
