import { describe, expect, it } from 'vitest';
import { createChainCheck, eventHash, GENESIS_HASH } from '../../src/store/chain.js';
import type { EventStore, StoredEvent } from '../../src/store/event-store.js';
import { eventually } from '../support/postgres.js';
import { pendingEvent, streamAppend } from './conformance-fixtures.js';

/** Events as compared by content: a store may seal (add the hash) after the append resolved. */
export function withoutHashes(events: readonly StoredEvent[]): Omit<StoredEvent, 'hash'>[] {
  return events.map(({ hash: _hash, ...event }) => event);
}

/**
 * The log once its `count` committed events are readable and sealed. On
 * PostgreSQL both may trail the commit for a moment: a reader sees nothing
 * above the oldest transaction open on the server, anyone's.
 */
async function sealedLog(store: EventStore, count: number): Promise<StoredEvent[]> {
  return eventually(async () => {
    await store.seal?.();
    const events = await store.readAll();
    return events.length === count && events.every((event) => event.hash !== undefined) && events;
  }, `the ${count} events to be readable and sealed`);
}

/** The hash chain every store keeps, checked on the store under test. */
export function describeChainConformance(store: () => EventStore): void {
  describe('hash chain', () => {
    it('chains the first event to the genesis hash and each next one to the event before it', async () => {
      await store().append(streamAppend('s1', 0, 2));
      await store().append(streamAppend('s2', 0, 1));
      const [first, second, third] = await sealedLog(store(), 3);
      expect(first?.hash).toBe(eventHash(GENESIS_HASH, first as StoredEvent));
      expect(second?.hash).toBe(eventHash(first?.hash ?? '', second as StoredEvent));
      expect(third?.hash).toBe(eventHash(second?.hash ?? '', third as StoredEvent));
    });

    it('keeps an unbroken chain over every event of a batch, failed commands left out', async () => {
      const outcomes = await store().appendBatch?.([
        streamAppend('s1', 0, 2),
        streamAppend('s2', 5, 1),
        streamAppend('s3', 0, 1),
      ]);
      if (outcomes === undefined) return;
      expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, false, true]);
      const check = createChainCheck();
      expect(check.accept(await sealedLog(store(), 3))).toBeNull();
      expect(check.checked).toBe(3);
      expect(check.unsealed).toBe(0);
    });

    it('hashes data whatever order its keys were given in to a chain that checks', async () => {
      const data = { zeta: 1, alpha: { y: [1, { b: 2, a: 1 }], x: null }, '10': 'ten', '2': 'two' };
      await store().append({
        events: [pendingEvent({ sourceId: 's1', streamVersion: 1, data })],
        expectedVersions: { s1: 0 },
      });
      const check = createChainCheck();
      expect(check.accept(await sealedLog(store(), 1))).toBeNull();
      expect(check.head.position).toBe(1);
    });
  });
}
