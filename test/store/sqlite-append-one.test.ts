/**
 * An SQLite store keeps the last link of the hash chain it wrote and the
 * version checks in the writes themselves; what it keeps must never be
 * stale: another connection's commit, a rolled-back append and a version
 * conflict each leave the log as if every append had read the file.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createChainCheck } from '../../src/store/chain.js';
import type { StoredEvent } from '../../src/store/event-store.js';
import { createSqliteEventStore, type SqliteEventStore } from '../../src/store/sqlite/index.js';
import { useTempDir } from '../support/temp-dir.js';
import { pendingEvent, streamAppend } from './conformance-fixtures.js';

const tempDir = useTempDir('datasource-registry-append-one-');
const opened: SqliteEventStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

function openTwo(): [SqliteEventStore, SqliteEventStore] {
  const filename = join(tempDir(), 'events.db');
  const pair: [SqliteEventStore, SqliteEventStore] = [
    createSqliteEventStore({ filename }),
    createSqliteEventStore({ filename }),
  ];
  opened.push(...pair);
  return pair;
}

function expectUnbrokenChain(events: readonly StoredEvent[], count: number): void {
  const check = createChainCheck();
  expect(check.accept(events)).toBeNull();
  expect(check.checked).toBe(count);
  expect(events.map((event) => event.position)).toEqual(
    Array.from({ length: count }, (_, i) => i + 1),
  );
}

describe('SQLite appends one at a time', () => {
  it('chains to the events another connection appended in between', async () => {
    const [first, second] = openTwo();
    for (let i = 0; i < 4; i++) {
      await first.append(streamAppend(`first-${i}`, 0));
      await second.append(streamAppend(`second-${i}`, 0, 2));
    }
    expectUnbrokenChain(await first.readAll(), 12);
  });

  it('chains to the last committed event after an append that was rolled back', async () => {
    const [store] = openTwo();
    const [event] = await store.append(streamAppend('s1', 0));
    // The duplicate id fails at the insert, after the append read the chain's last link.
    const duplicate = {
      ...pendingEvent({ sourceId: 's2', streamVersion: 1 }),
      eventId: event?.eventId ?? '',
    };
    await expect(
      store.append({ events: [duplicate], expectedVersions: { s2: 0 } }),
    ).rejects.toMatchObject({ code: 'STORE_ERROR' });
    await store.append(streamAppend('s3', 0, 2));
    expectUnbrokenChain(await store.readAll(), 3);
  });

  it('refuses a stale expected version with the version the stream is at', async () => {
    const [first, second] = openTwo();
    await first.append(streamAppend('s1', 0, 2));
    await expect(second.append(streamAppend('s1', 1))).rejects.toMatchObject({
      details: { reason: 'version', expected: 1, actual: 2 },
    });
    await expect(second.append(streamAppend('s1', 0))).rejects.toMatchObject({
      details: { reason: 'version', expected: 0, actual: 2 },
    });
    expect((await first.readStream('s1')).map((event) => event.streamVersion)).toEqual([1, 2]);
  });
});
