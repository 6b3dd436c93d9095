import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/domain/errors.js';
import { CURRENT_SCHEMA_VERSION } from '../../src/domain/events.js';
import { defineUpcasters, EVENT_UPCASTERS, upcastEvent } from '../../src/domain/upcasters.js';
import { decodeEvent } from '../../src/registry/read-events.js';
import type { StoredEvent } from '../../src/store/event-store.js';
import { eventConfig } from '../support/plain.js';
import { failsWith } from '../support/registry-fixtures.js';

/**
 * A catalog as it would be after two shape changes of ErrorRecorded: version
 * 1 said `{ text }`, version 2 `{ message }`, version 3 (today's schema)
 * `{ error }`.
 */
const twoChanges = defineUpcasters(3, [
  {
    type: 'ErrorRecorded',
    fromVersion: 1,
    upcast: (data) => ({ message: (data as { text: string }).text }),
  },
  {
    type: 'ErrorRecorded',
    fromVersion: 2,
    upcast: (data) => ({ error: (data as { message: string }).message }),
  },
]);

function stored(type: string, schemaVersion: number, data: unknown): StoredEvent {
  return Object.freeze({
    eventId: 'e1',
    type,
    schemaVersion,
    sourceId: 's1',
    tenantId: 't1',
    streamVersion: 2,
    position: 7,
    occurredAt: '2024-03-01T09:00:00.000Z',
    data,
    metadata: {},
  });
}

describe('upcasting an event', () => {
  it('raises a version 1 event through every step to the current shape', () => {
    const event = decodeEvent(stored('ErrorRecorded', 1, { text: 'timeout' }), twoChanges);

    expect(event).toMatchObject({ schemaVersion: 3, data: { error: 'timeout' } });
  });

  it('starts from the version the event was written with', () => {
    const event = decodeEvent(stored('ErrorRecorded', 2, { message: 'timeout' }), twoChanges);

    expect(event.data).toEqual({ error: 'timeout' });
  });

  it('raises the version of a type whose shape never changed and keeps its data', () => {
    const event = decodeEvent(stored('TagAdded', 1, { tag: 'prod' }), twoChanges);

    expect(event).toMatchObject({ schemaVersion: 3, data: { tag: 'prod' } });
  });

  it('returns a current event as it is', () => {
    const event = stored('TagAdded', 3, { tag: 'prod' });

    expect(upcastEvent(event, twoChanges)).toBe(event);
  });

  it('leaves the event it raised unchanged', () => {
    const event = stored('ErrorRecorded', 1, { text: 'timeout' });

    decodeEvent(event, twoChanges);

    expect(event).toMatchObject({ schemaVersion: 1, data: { text: 'timeout' } });
  });

  it('refuses an event newer than the code with CORRUPT_LOG naming its position', async () => {
    const error = await failsWith(
      () => decodeEvent(stored('TagAdded', 4, { tag: 'prod' }), twoChanges),
      ErrorCode.CORRUPT_LOG,
    );

    expect(error.message).toMatch(/position 7.*schema version 4.*newer/);
    expect(error.details).toMatchObject({ position: 7, schemaVersion: 4, currentVersion: 3 });
  });

  it('refuses an event whose data fails its schema once raised, with CORRUPT_LOG', async () => {
    const error = await failsWith(
      () => decodeEvent(stored('ErrorRecorded', 1, { words: 'timeout' }), twoChanges),
      ErrorCode.CORRUPT_LOG,
    );

    expect(error.message).toMatch(/once raised to schema version 3/);
  });

  it('refuses an event whose upcaster throws, with CORRUPT_LOG and the step', async () => {
    const throwing = defineUpcasters(2, [
      {
        type: 'TagAdded',
        fromVersion: 1,
        upcast: () => {
          throw new Error('no tag');
        },
      },
    ]);

    const error = await failsWith(
      () => decodeEvent(stored('TagAdded', 1, { tag: 'prod' }), throwing),
      ErrorCode.CORRUPT_LOG,
    );

    expect(error.details).toMatchObject({ position: 7, failedAt: 1 });
  });

  it('refuses two upcasters for one type and version', async () => {
    const step = { type: 'TagAdded', fromVersion: 1, upcast: (data: unknown) => data } as const;

    await failsWith(() => defineUpcasters(2, [step, step]), ErrorCode.INVALID_INPUT);
  });

  it('refuses an upcaster from the current version or beyond', async () => {
    const step = { type: 'TagAdded', fromVersion: 2, upcast: (data: unknown) => data } as const;

    await failsWith(() => defineUpcasters(2, [step]), ErrorCode.INVALID_INPUT);
  });

  it('reads the catalog up to the current schema version', () => {
    expect(EVENT_UPCASTERS.currentVersion).toBe(CURRENT_SCHEMA_VERSION);
  });

  it('raises a version 1 config update to version 2 as it was, without fingerprints', () => {
    const data = { config: eventConfig({ host: 'db', password: 'pw' }) };

    const event = decodeEvent(stored('DataSourceConfigUpdated', 1, data), EVENT_UPCASTERS);

    expect(event.schemaVersion).toBe(2);
    expect(structuredClone(event.data)).toEqual(data);
  });

  it('has a step from version 1 for each type that gained fingerprints', () => {
    expect(EVENT_UPCASTERS.step('DataSourceRegistered', 1)).toBeDefined();
    expect(EVENT_UPCASTERS.step('DataSourceConfigUpdated', 1)).toBeDefined();
  });
});
