/** What a protected store without a key says when an append carries secrets. */
import { describe, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import { protectSecrets } from '../../src/security/protected-store.js';
import type { EventStore, PendingEvent } from '../../src/store/event-store.js';
import { createMemoryEventStore } from '../../src/store/memory-store.js';
import { eventConfig } from '../support/plain.js';

const registered: PendingEvent = {
  eventId: 'e-s1-1',
  type: 'DataSourceRegistered',
  schemaVersion: 1,
  sourceId: 's1',
  tenantId: 't1',
  streamVersion: 1,
  occurredAt: '2024-05-01T12:00:00.000Z',
  data: {
    name: 'Orders',
    sourceType: 'database',
    config: eventConfig({ host: 'db.internal', password: 'pw', apiKey: 'ak' }),
    description: null,
    tags: [],
    metadata: {},
    accessRoles: [],
    ownerId: null,
  },
  metadata: {},
};

describe('an append with secrets to a durable store without a key', () => {
  it('names the event and every secret field in its details', async () => {
    const durable: EventStore = { ...createMemoryEventStore(), durable: true };
    const store = protectSecrets(durable, null);
    const error = await store
      .append({ events: [registered], expectedVersions: { s1: 0 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataSourceError);
    expect((error as DataSourceError).code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect((error as DataSourceError).message).toMatch(
      /^Cannot write the secrets of data source s1 \(config\.password, config\.apiKey\) to the memory store in plaintext: /,
    );
    expect((error as DataSourceError).details).toEqual({
      eventId: 'e-s1-1',
      paths: ['config.password', 'config.apiKey'],
    });
  });
});
