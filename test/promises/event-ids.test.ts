import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { DataSourceRegistry } from '../../src/index.js';
import { databaseInput } from '../support/registry-fixtures.js';

// Crockford's base32, 26 characters: 10 of time, 16 of randomness.
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('the ids a registry makes by default', () => {
  it('are ULIDs for events and new sources, timed when they were made', async () => {
    const registry = new DataSourceRegistry();
    const before = Date.now();
    const source = await registry.register(databaseInput());
    await registry.activate(source.sourceId);
    const after = Date.now();

    const ids = [
      source.sourceId,
      ...(await registry.history(source.sourceId)).map((e) => e.eventId),
    ];

    for (const id of ids) {
      expect(id).toMatch(ULID);
      expect(decodeTime(id)).toBeGreaterThanOrEqual(before);
      expect(decodeTime(id)).toBeLessThanOrEqual(after);
    }
  });

  it('increase in the order they were made, even within one millisecond', async () => {
    const registry = new DataSourceRegistry();
    const source = await registry.register(databaseInput());
    await Promise.all(Array.from({ length: 50 }, () => registry.recordConnection(source.sourceId)));

    const eventIds = (await registry.history(source.sourceId)).map((event) => event.eventId);

    expect(new Set(eventIds).size).toBe(eventIds.length);
    expect(eventIds).toEqual([...eventIds].sort());
  });
});
