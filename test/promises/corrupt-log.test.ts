import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createMemoryEventStore,
  DataSourceRegistry,
  ErrorCode,
  type EventStore,
  type PendingEvent,
} from '../../src/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { failsWith } from '../support/registry-fixtures.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('corrupt-log-');
const encryptionKey = randomBytes(32);

/** A registration whose data lacks the name and type every registration has. */
function malformedRegistration(sourceId: string, streamVersion = 1): PendingEvent {
  return {
    eventId: `01J00000000000000000000${streamVersion}AA`.slice(0, 26),
    type: 'DataSourceRegistered',
    schemaVersion: 1,
    sourceId,
    tenantId: 'acme',
    streamVersion,
    occurredAt: '2024-03-01T09:00:00.000Z',
    data: { description: 'no name, no type' },
    metadata: {},
  };
}

async function appendMalformed(store: EventStore, sourceId: string, expected = 0) {
  await store.append({
    events: [malformedRegistration(sourceId, expected + 1)],
    expectedVersions: { [sourceId]: expected },
  });
}

describe('a registry reading an event that fails its schema', () => {
  it('refuses to start on such a memory store with CORRUPT_LOG', async () => {
    const store = createMemoryEventStore();
    await appendMalformed(store, 'broken');

    const error = await failsWith(() => new DataSourceRegistry({ store }), ErrorCode.CORRUPT_LOG);

    expect(error.details).toMatchObject({ position: 1, type: 'DataSourceRegistered' });
  });

  it('refuses to open such an SQLite log with CORRUPT_LOG', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const store = createSqliteEventStore({ filename });
    await appendMalformed(store, 'broken');
    await store.close();

    await failsWith(
      () => DataSourceRegistry.open({ store: createSqliteEventStore({ filename }), encryptionKey }),
      ErrorCode.CORRUPT_LOG,
    );
  });

  it('fails history() of a stream holding one with CORRUPT_LOG', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const registry = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      encryptionKey,
    });
    const other = createSqliteEventStore({ filename });
    await appendMalformed(other, 'broken');

    await failsWith(() => registry.history('broken'), ErrorCode.CORRUPT_LOG);

    await other.close();
    await registry.close();
  });

  it('fails a command that must read it with CORRUPT_LOG, and applies nothing of it', async () => {
    const filename = join(tempDir(), 'log.sqlite');
    const registry = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      encryptionKey,
    });
    const writer = createSqliteEventStore({ filename });
    await appendMalformed(writer, 'broken');
    await writer.close();

    // An id the registry has not seen makes it read the log first.
    await failsWith(() => registry.activate('broken'), ErrorCode.CORRUPT_LOG);
    expect(registry.position).toBe(0);
    expect(registry.get('broken')).toBeNull();

    await registry.close();
  });
});
