import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import type {
  AppendOutcome,
  AppendRequest,
  EventStore,
  PendingEvent,
} from '../../src/store/event-store.js';
import { createMemoryEventStore } from '../../src/store/memory-store.js';
import { detailsOf } from '../support/error-details.js';
import { propertyRuns } from '../support/property-runs.js';
import { describeChainConformance, withoutHashes } from './chain-conformance.js';
import { describeCheckpointConformance } from './checkpoint-conformance.js';
import {
  claim,
  commandArbitrary,
  commandRequest,
  type EventStoreFactory,
  failure,
  nextNotification,
  outcome,
  pendingEvent,
  streamAppend,
} from './conformance-fixtures.js';
import { describeKeyRingConformance } from './key-ring-conformance.js';
import { describeSnapshotConformance } from './snapshot-conformance.js';

export { type EventStoreFactory, pendingEvent, streamAppend } from './conformance-fixtures.js';

/**
 * Declares the conformance suite of the {@link EventStore} contract: every
 * store runs these same tests, so they all keep the same guarantees.
 */
export function describeEventStoreConformance(name: string, factory: EventStoreFactory): void {
  describe(`${name} event store conformance`, () => {
    let opened: EventStore[] = [];
    const closed = new WeakSet<EventStore>();
    let store: EventStore;

    async function close(target: EventStore): Promise<void> {
      closed.add(target);
      await target.close();
    }

    beforeEach(async () => {
      store = await factory.create();
      opened = [store];
    });

    afterEach(async () => {
      for (const target of opened) if (!closed.has(target)) await close(target);
      await factory.cleanup?.();
    });

    describe('append', () => {
      it('appends the events of two streams atomically and returns them with positions', async () => {
        const events = [
          pendingEvent({ sourceId: 's1', streamVersion: 1 }),
          pendingEvent({ sourceId: 's2', streamVersion: 1 }),
          pendingEvent({ sourceId: 's1', streamVersion: 2 }),
        ];
        const stored = await store.append({ events, expectedVersions: { s1: 0, s2: 0 } });
        expect(withoutHashes(stored)).toEqual(
          events.map((event, i) => ({ ...event, position: i + 1 })),
        );
        expect(withoutHashes(await store.readAll())).toEqual(withoutHashes(stored));
      });

      it('writes nothing of a two-stream append when one expected version is wrong', async () => {
        await store.append(streamAppend('s2', 0));
        const before = await store.readAll();
        const request: AppendRequest = {
          events: [
            pendingEvent({ sourceId: 's1', streamVersion: 1 }),
            pendingEvent({ sourceId: 's2', streamVersion: 3 }),
          ],
          expectedVersions: { s1: 0, s2: 2 },
          claims: [claim('name', 's1')],
        };
        await failure(store.append(request));
        expect(withoutHashes(await store.readAll())).toEqual(withoutHashes(before));
        expect(await store.readStream('s1')).toEqual([]);
        await store.append(streamAppend('s3', 0, 1, { claims: [claim('name', 's3')] }));
      });

      it('refuses an append whose expected version differs with a version conflict', async () => {
        await store.append(streamAppend('s1', 0, 2));
        const error = await failure(store.append(streamAppend('s1', 1)));
        expect(error.code).toBe(ErrorCode.CONCURRENCY_CONFLICT);
        expect(error.details).toMatchObject({ reason: 'version', streamId: 's1', expected: 1 });
        expect(detailsOf(error).actual).toBe(2);
      });

      it('refuses to append to an existing stream expected at version 0', async () => {
        await store.append(streamAppend('s1', 0));
        const error = await failure(store.append(streamAppend('s1', 0)));
        expect(error.code).toBe(ErrorCode.CONCURRENCY_CONFLICT);
        expect(detailsOf(error).reason).toBe('version');
        expect(await store.readStream('s1')).toHaveLength(1);
      });

      it('refuses to create a new stream expected at a version above 0', async () => {
        const error = await failure(store.append(streamAppend('s1', 3)));
        expect(error.code).toBe(ErrorCode.CONCURRENCY_CONFLICT);
        expect(error.details).toMatchObject({ reason: 'version', expected: 3, actual: 0 });
        expect(await store.head()).toBe(0);
      });

      it('lets exactly one of several concurrent appends to the same stream win', async () => {
        const attempts = Array.from({ length: 5 }, () => store.append(streamAppend('s1', 0, 2)));
        const results = await Promise.allSettled(attempts);
        const won = results.filter((result) => result.status === 'fulfilled');
        const lost = results.flatMap((result) => (result.status === 'rejected' ? [result] : []));
        expect(won).toHaveLength(1);
        for (const result of lost) {
          expect(result.reason).toBeInstanceOf(DataSourceError);
          expect((result.reason as DataSourceError).code).toBe(ErrorCode.CONCURRENCY_CONFLICT);
        }
        expect(await store.readStream('s1')).toHaveLength(2);
      });

      it('refuses a request whose stream versions do not follow the expected version with INVALID_INPUT', async () => {
        const request: AppendRequest = {
          events: [pendingEvent({ sourceId: 's1', streamVersion: 2 })],
          expectedVersions: { s1: 0 },
        };
        const error = await failure(store.append(request));
        expect(error.code).toBe(ErrorCode.INVALID_INPUT);
        expect(await store.head()).toBe(0);
      });

      it('returns an empty list for an empty append and writes nothing', async () => {
        expect(await store.append({ events: [], expectedVersions: {} })).toEqual([]);
        expect(await store.head()).toBe(0);
      });

      it('gives strictly increasing positions across appends', async () => {
        for (let i = 0; i < 5; i++) await store.append(streamAppend(`s${i}`, 0, 1 + (i % 3)));
        const positions = (await store.readAll()).map((event) => event.position);
        expect(positions).toHaveLength(9);
        positions.forEach((position, i) => {
          if (i > 0) expect(position).toBeGreaterThan(positions[i - 1] ?? 0);
        });
      });

      it('round-trips event data and metadata as JSON exactly', async () => {
        const data = {
          nested: { deeper: { list: [1, 'two', { three: 3 }, [4, [5]]] } },
          unicode: 'Grüße, 日本語, emoji 🚀, quotes "\'\\ and\nnewlines',
          large: Number.MAX_SAFE_INTEGER,
          negative: -Number.MAX_SAFE_INTEGER,
          fraction: -1234.5678,
          tiny: 1e-7,
          huge: 1.5e300,
          nothing: null,
          flags: [true, false],
          empty: { object: {}, array: [], string: '' },
        };
        const metadata = { actor: 'ünïcödé', correlation: { ids: [1, 2], none: null } };
        const event = pendingEvent({ sourceId: 's1', streamVersion: 1, data, metadata });
        await store.append({ events: [event], expectedVersions: { s1: 0 } });
        const [read] = await store.readStream('s1');
        expect(read?.data).toEqual(data);
        expect(read?.metadata).toEqual(metadata);
        expect(withoutHashes(await store.readAll())).toEqual(
          withoutHashes([{ ...event, position: 1 }]),
        );
      });
      it('agrees with the in-memory reference store on any sequence of appends', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(commandArbitrary, { maxLength: 12 }), async (commands) => {
            const run = randomUUID();
            const reference = createMemoryEventStore();
            for (const command of commands) {
              const request = commandRequest(command, run);
              const expected = await outcome(reference.append(request));
              expect(await outcome(store.append(request))).toEqual(expected);
            }
            for (const stream of [0, 1, 2]) {
              const strip = (events: readonly PendingEvent[]) =>
                events.map(({ eventId, streamVersion, data }) => ({
                  eventId,
                  streamVersion,
                  data,
                }));
              const id = `${run}-s${stream}`;
              expect(strip(await store.readStream(id))).toEqual(
                strip(await reference.readStream(id)),
              );
            }
          }),
          { numRuns: propertyRuns(25) },
        );
      });
    });

    describe('unique claims', () => {
      it('takes a free claim and refuses it to another owner without writing anything', async () => {
        await store.append(streamAppend('s1', 0, 1, { claims: [claim('orders', 's1')] }));
        const before = await store.readAll();
        const error = await failure(
          store.append(streamAppend('s2', 0, 1, { claims: [claim('orders', 's2')] })),
        );
        expect(error.code).toBe(ErrorCode.CONCURRENCY_CONFLICT);
        expect(error.details).toMatchObject({ reason: 'claim', key: 'orders', heldBy: 's1' });
        expect(withoutHashes(await store.readAll())).toEqual(withoutHashes(before));
        expect(await store.readStream('s2')).toEqual([]);
      });

      it('takes none of the claims of a refused append', async () => {
        await store.append(streamAppend('s1', 0, 1, { claims: [claim('held', 's1')] }));
        const claims = [claim('free', 's2'), claim('held', 's2')];
        await failure(store.append(streamAppend('s2', 0, 1, { claims })));
        await store.append(streamAppend('s3', 0, 1, { claims: [claim('free', 's3')] }));
      });

      it('treats a claim already held by the same owner as a no-op', async () => {
        await store.append(streamAppend('s1', 0, 1, { claims: [claim('orders', 's1')] }));
        await store.append(streamAppend('s1', 1, 1, { claims: [claim('orders', 's1')] }));
        expect(await store.readStream('s1')).toHaveLength(2);
      });

      it('lets one append release a key and another owner claim it', async () => {
        await store.append(streamAppend('s1', 0, 1, { claims: [claim('orders', 's1')] }));
        await store.append({
          events: [
            pendingEvent({ sourceId: 's1', streamVersion: 2, type: 'DataSourceDeleted' }),
            pendingEvent({ sourceId: 's2', streamVersion: 1 }),
          ],
          expectedVersions: { s1: 1, s2: 0 },
          releases: [claim('orders', 's1')],
          claims: [claim('orders', 's2')],
        });
        const error = await failure(
          store.append(streamAppend('s3', 0, 1, { claims: [claim('orders', 's3')] })),
        );
        expect(error.details).toMatchObject({ reason: 'claim', heldBy: 's2' });
      });

      it('frees a released key for a later append by another owner', async () => {
        await store.append(streamAppend('s1', 0, 1, { claims: [claim('orders', 's1')] }));
        await store.append(streamAppend('s1', 1, 1, { releases: [claim('orders', 's1')] }));
        await store.append(streamAppend('s2', 0, 1, { claims: [claim('orders', 's2')] }));
        expect(await store.readStream('s2')).toHaveLength(1);
      });

      it('ignores the release of a key held by another owner', async () => {
        await store.append(streamAppend('s1', 0, 1, { claims: [claim('orders', 's1')] }));
        await store.append(streamAppend('s2', 0, 1, { releases: [claim('orders', 's2')] }));
        const error = await failure(
          store.append(streamAppend('s3', 0, 1, { claims: [claim('orders', 's3')] })),
        );
        expect(error.details).toMatchObject({ reason: 'claim', heldBy: 's1' });
      });

      it('keeps claims independent per scope', async () => {
        await store.append(streamAppend('s1', 0, 1, { claims: [claim('orders', 's1', 't1')] }));
        await store.append(streamAppend('s2', 0, 1, { claims: [claim('orders', 's2', 't2')] }));
        expect(await store.head()).toBe(2);
      });
    });

    describe('tenant guard', () => {
      const guarded = (sourceId: string, from: number, tenantId: string, position: number) =>
        streamAppend(sourceId, from, 1, { tenantId, tenantUnchanged: { tenantId, position } });

      it('appends when the tenant gained no stream after the guard position', async () => {
        await store.append(streamAppend('s1', 0, 1, { tenantId: 't1' }));
        await store.append(streamAppend('s1', 1, 1, { tenantId: 't1' }));

        await store.append(guarded('s1', 2, 't1', 1));

        expect(await store.readStream('s1')).toHaveLength(3);
      });

      it('refuses an append whose tenant gained a stream after the guard position, writing nothing', async () => {
        await store.append(streamAppend('s1', 0, 1, { tenantId: 't1' }));
        await store.append(streamAppend('s2', 0, 1, { tenantId: 't1' }));
        const before = await store.readAll();

        const error = await failure(store.append(guarded('s1', 1, 't1', 1)));

        expect(error.code).toBe(ErrorCode.CONCURRENCY_CONFLICT);
        expect(error.details).toMatchObject({ reason: 'tenant', tenantId: 't1', createdAt: 2 });
        expect(withoutHashes(await store.readAll())).toEqual(withoutHashes(before));
      });

      it('ignores streams of other tenants created after the guard position', async () => {
        await store.append(streamAppend('s1', 0, 1, { tenantId: 't1' }));
        await store.append(streamAppend('s2', 0, 1, { tenantId: 't2' }));

        await store.append(guarded('s1', 1, 't1', 1));

        expect(await store.readStream('s1')).toHaveLength(2);
      });

      it('lets exactly one of a stream creation and a guarded append racing on a tenant see the other', async () => {
        await store.append(streamAppend('s1', 0, 1, { tenantId: 't1' }));
        const results = await Promise.allSettled([
          store.append(streamAppend('s2', 0, 1, { tenantId: 't1' })),
          store.append(guarded('s1', 1, 't1', 1)),
        ]);

        const [created, guardedAppend] = results;
        expect(created.status).toBe('fulfilled');
        const log = await store.readAll();
        const creation = log.find((event) => event.sourceId === 's2')?.position ?? 0;
        const guardedEvent = log.find(
          (event) => event.sourceId === 's1' && event.streamVersion === 2,
        );
        // Committed guarded append: the creation came after it. Refused: the creation came first.
        if (guardedAppend.status === 'fulfilled')
          expect(guardedEvent?.position).toBeLessThan(creation);
        else expect(guardedEvent).toBeUndefined();
      });
    });

    describe('reads', () => {
      beforeEach(async () => {
        await store.append(streamAppend('a1', 0, 2, { tenantId: 'tenant-a' }));
        await store.append(streamAppend('b1', 0, 1, { tenantId: 'tenant-b' }));
        await store.append(streamAppend('a2', 0, 2, { tenantId: 'tenant-a' }));
      });

      it('reads the whole log in position order', async () => {
        const all = await store.readAll();
        expect(all.map((event) => event.sourceId)).toEqual(['a1', 'a1', 'b1', 'a2', 'a2']);
        expect(all.map((event) => event.position)).toEqual([1, 2, 3, 4, 5]);
      });

      it('reads the log after a position', async () => {
        const after = await store.readAll({ after: 2 });
        expect(after.map((event) => event.position)).toEqual([3, 4, 5]);
        expect(await store.readAll({ after: 5 })).toEqual([]);
      });

      it('reads only the events of one tenant', async () => {
        const mine = await store.readAll({ tenantId: 'tenant-a', after: 1 });
        expect(mine.map((event) => event.position)).toEqual([2, 4, 5]);
        expect(await store.readAll({ tenantId: 'tenant-z' })).toEqual([]);
      });

      it('reads at most a limit of events', async () => {
        const page = await store.readAll({ after: 1, limit: 2 });
        expect(page.map((event) => event.position)).toEqual([2, 3]);
        const tenantPage = await store.readAll({ tenantId: 'tenant-a', limit: 2, after: 2 });
        expect(tenantPage.map((event) => event.position)).toEqual([4, 5]);
      });

      it('reads one stream in stream order', async () => {
        const stream = await store.readStream('a2');
        expect(stream.map((event) => [event.streamVersion, event.position])).toEqual([
          [1, 4],
          [2, 5],
        ]);
      });

      it('reads an unknown stream as empty', async () => {
        expect(await store.readStream('nope')).toEqual([]);
      });

      it('reports the last position as head', async () => {
        expect(await store.head()).toBe(5);
        await store.append(streamAppend('a1', 2));
        expect(await store.head()).toBe(6);
      });
    });

    describe('notifications', () => {
      it('notifies a subscriber with a head at or beyond the appended position', async () => {
        const heard = nextNotification(store);
        const [event] = await store.append(streamAppend('s1', 0, 2));
        expect(await heard).toBeGreaterThanOrEqual((event?.position ?? 0) + 1);
      });

      it('stops notifying a listener once it unsubscribed', async () => {
        const stale: number[] = [];
        const stop = store.subscribe((head) => stale.push(head));
        stop();
        const heard = nextNotification(store);
        await store.append(streamAppend('s1', 0));
        await heard;
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(stale).toEqual([]);
      });
    });

    describe('batches', () => {
      /** The store's appendBatch: every store of this library has one. */
      function appendBatch(requests: readonly AppendRequest[]) {
        if (!store.appendBatch) throw new Error(`The ${store.kind} store has no appendBatch`);
        return store.appendBatch(requests);
      }
      const reasonOf = (outcome: AppendOutcome | undefined) =>
        outcome?.ok === false ? detailsOf(outcome.error as DataSourceError).reason : 'ok';

      it('commits every command but the one that conflicts, and nothing of that one', async () => {
        await store.append(streamAppend('s2', 0));
        const outcomes = await appendBatch([
          streamAppend('s1', 0, 2),
          streamAppend('s2', 0, 2),
          streamAppend('s3', 0),
        ]);

        expect(outcomes.map(reasonOf)).toEqual(['ok', 'version', 'ok']);
        const log = await store.readAll();
        expect(log.map((event) => [event.sourceId, event.streamVersion])).toEqual([
          ['s2', 1],
          ['s1', 1],
          ['s1', 2],
          ['s3', 1],
        ]);
        // PostgreSQL seals events after commit: a read may or may not have the hash yet.
        expect(withoutHashes(log.slice(1))).toEqual(
          withoutHashes(outcomes.flatMap((o) => (o.ok ? o.events : []))),
        );
      });

      it('gives each command of a batch its own streams, keys and events, whatever their counts', async () => {
        await store.append(streamAppend('held', 0, 1, { claims: [claim('taken', 'held')] }));
        const twoStreams: AppendRequest = {
          events: [
            pendingEvent({ sourceId: 'p', streamVersion: 1, data: { p: 1 } }),
            pendingEvent({ sourceId: 'q', streamVersion: 1, data: { q: 1 } }),
          ],
          expectedVersions: { q: 0, p: 0 },
          claims: [claim('p', 'p'), claim('q', 'q', 'tenant-b')],
        };
        const outcomes = await appendBatch([
          streamAppend('a', 0, 3, { claims: [claim('a', 'a')] }),
          streamAppend('held', 0, 2, { claims: [claim('b', 'held')] }),
          twoStreams,
          streamAppend('c', 0, 1, { claims: [claim('c', 'c'), claim('taken', 'c')] }),
          streamAppend('held', 1, 1, { releases: [claim('taken', 'held')] }),
        ]);

        expect(outcomes.map(reasonOf)).toEqual(['ok', 'version', 'ok', 'claim', 'ok']);
        const log = await store.readAll();
        expect(log.slice(1).map((e) => [e.sourceId, e.streamVersion, e.data])).toEqual([
          ['a', 1, { n: 1 }],
          ['a', 2, { n: 2 }],
          ['a', 3, { n: 3 }],
          ['p', 1, { p: 1 }],
          ['q', 1, { q: 1 }],
          ['held', 2, { n: 2 }],
        ]);
        expect(withoutHashes(log.slice(1))).toEqual(
          withoutHashes(outcomes.flatMap((o) => (o.ok ? o.events : []))),
        );
        // The refused commands' keys are free; the others' are held by their owners.
        const next = await appendBatch([
          streamAppend('d', 0, 1, {
            claims: [claim('b', 'd'), claim('c', 'd'), claim('taken', 'd')],
          }),
          streamAppend('e', 0, 1, { claims: [claim('q', 'e', 'tenant-b')] }),
        ]);
        expect(next.map(reasonOf)).toEqual(['ok', 'claim']);
      });

      it('gives each command of a batch later positions than the commands before it', async () => {
        const outcomes = await appendBatch([streamAppend('a', 0, 2), streamAppend('b', 0, 3)]);

        const positions = outcomes.flatMap((o) => (o.ok ? o.events.map((e) => e.position) : []));
        expect(positions).toHaveLength(5);
        expect([...positions].sort((x, y) => x - y)).toEqual(positions);
        expect(new Set(positions).size).toBe(5);
      });

      it('refuses a key an earlier command of the batch took, as if appended in turn', async () => {
        const outcomes = await appendBatch([
          streamAppend('s1', 0, 1, { claims: [claim('orders', 's1')] }),
          streamAppend('s2', 0, 1, { claims: [claim('orders', 's2')] }),
          streamAppend('s1', 1, 1, { releases: [claim('orders', 's1')] }),
          streamAppend('s3', 0, 1, { claims: [claim('orders', 's3')] }),
        ]);

        expect(outcomes.map(reasonOf)).toEqual(['ok', 'claim', 'ok', 'ok']);
        const taken = await failure(
          store.append(streamAppend('s4', 0, 1, { claims: [claim('orders', 's4')] })),
        );
        expect(taken.details).toMatchObject({ reason: 'claim', heldBy: 's3' });
      });

      it('refuses a tenant guard when an earlier command of the batch created a stream', async () => {
        await store.append(streamAppend('s1', 0, 1, { tenantId: 't1' }));
        const outcomes = await appendBatch([
          streamAppend('s2', 0, 1, { tenantId: 't1' }),
          streamAppend('s1', 1, 1, {
            tenantId: 't1',
            tenantUnchanged: { tenantId: 't1', position: 1 },
          }),
        ]);

        expect(outcomes.map(reasonOf)).toEqual(['ok', 'tenant']);
      });

      it('fails a malformed command alone with INVALID_INPUT', async () => {
        const malformed = streamAppend('s1', 0, 1);
        const outcomes = await appendBatch([
          { ...malformed, expectedVersions: {} },
          streamAppend('s2', 0),
        ]);

        expect(outcomes[0]?.ok === false && (outcomes[0].error as DataSourceError).code).toBe(
          ErrorCode.INVALID_INPUT,
        );
        expect((await store.readAll()).map((event) => event.sourceId)).toEqual(['s2']);
      });

      it('commits 64 appends made at once on distinct streams, each once', async () => {
        const stored = await Promise.all(
          Array.from({ length: 64 }, (_, i) => store.append(streamAppend(`s${i}`, 0))),
        );

        const positions = stored.flat().map((event) => event.position);
        expect(new Set(positions).size).toBe(64);
        const log = await store.readAll();
        expect(log.map((event) => event.position)).toEqual([...positions].sort((a, b) => a - b));
      });

      it('fails only the one of appends made at once whose version is stale', async () => {
        await store.append(streamAppend('stale', 0));
        const results = await Promise.allSettled([
          store.append(streamAppend('x', 0)),
          store.append(streamAppend('stale', 0)),
          store.append(streamAppend('y', 0)),
        ]);

        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        // Appends made at once may commit in any order.
        const logged = (await store.readAll()).map((event) => event.sourceId);
        expect(logged.sort()).toEqual(['stale', 'x', 'y']);
      });
    });

    describeKeyRingConformance(
      () => store,
      factory,
      (another) => opened.push(another),
    );

    describeChainConformance(() => store);

    describeCheckpointConformance(
      () => store,
      factory,
      (another) => opened.push(another),
    );

    describeSnapshotConformance(
      () => store,
      factory,
      (another) => opened.push(another),
    );

    describe('durability', () => {
      it.runIf(factory.reopen !== undefined)(
        'keeps events, versions and claims after close and reopen',
        async () => {
          await store.append(streamAppend('s1', 0, 2, { claims: [claim('orders', 's1')] }));
          await store.append(streamAppend('s2', 0, 1, { tenantId: 'tenant-b' }));
          const before = await store.readAll();
          await close(store);
          const reopened = await (factory.reopen as NonNullable<typeof factory.reopen>)(store);
          opened.push(reopened);
          expect(withoutHashes(await reopened.readAll())).toEqual(withoutHashes(before));
          expect(await reopened.head()).toBe(3);
          const stale = await failure(reopened.append(streamAppend('s1', 1)));
          expect(detailsOf(stale).reason).toBe('version');
          const taken = await failure(
            reopened.append(streamAppend('s3', 0, 1, { claims: [claim('orders', 's3')] })),
          );
          expect(taken.details).toMatchObject({ reason: 'claim', heldBy: 's1' });
          const [next] = await reopened.append(streamAppend('s1', 2));
          expect(next?.position).toBeGreaterThan(3);
        },
      );
    });
  });
}
