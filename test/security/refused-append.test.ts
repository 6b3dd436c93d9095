/** What a protected store without a key says when an append carries secrets. */
import { describe, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import { protectSecrets } from '../../src/security/protected-store.js';
import type { EventStore, PendingEvent } from '../../src/store/event-store.js';
import { createMemoryEventStore } from '../../src/store/memory-store.js';
import { eventConfig, registrationWith } from '../support/plain.js';

const registered: PendingEvent = registrationWith(
  eventConfig({ host: 'db.internal', password: 'pw', apiKey: 'ak' }),
);

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
