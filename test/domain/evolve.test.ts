import { describe, expect, it } from 'vitest';
import { DataSourceStatus, DataSourceType } from '../../src/domain/enums.js';
import { ErrorCode } from '../../src/domain/errors.js';
import type { DataSourceEvent, EventDraft } from '../../src/domain/events.js';
import { evolve } from '../../src/domain/evolve.js';
import { EMPTY_STREAM, isDeleted } from '../../src/domain/stream.js';
import {
  caught,
  config,
  draft,
  envelope,
  fold,
  given,
  registered,
  SOURCE_ID,
  TENANT_ID,
  timeOf,
} from '../support/given-when-then.js';
import { plainJson } from '../support/plain.js';

/** The source after a registration and then `drafts`. */
const sourceAfter = (...drafts: EventDraft[]) => given([registered(), ...drafts]).state.source;

const errorRecorded = (error: string): EventDraft => ({ type: 'ErrorRecorded', data: { error } });

describe('DataSourceRegistered', () => {
  it('registration makes a pending source from the event data and envelope', () => {
    const data = {
      name: 'Orders DB',
      sourceType: DataSourceType.DOCUMENT,
      config: config({ host: 'mongo.internal' }),
      description: 'Orders',
      tags: ['prod'],
      metadata: { tier: 1 },
      accessRoles: ['analyst'],
      ownerId: 'user-1',
    };
    const source = given([{ type: 'DataSourceRegistered', data }]).state.source;
    expect(source).toEqual({
      sourceId: SOURCE_ID,
      tenantId: TENANT_ID,
      ...data,
      secretFingerprints: {},
      status: DataSourceStatus.PENDING,
      lastConnected: null,
      lastError: null,
      connectionCount: 0,
      errorCount: 0,
      createdAt: timeOf(1),
      updatedAt: timeOf(1),
      version: 1,
    });
  });

  it('registration sets the stream version to 1', () => {
    expect(given([registered()]).state.version).toBe(1);
  });
});

describe('the effect of each event', () => {
  it('a rename sets the new name', () => {
    const renamed: EventDraft = { type: 'DataSourceRenamed', data: { from: 'Orders DB', to: 'X' } };
    expect(sourceAfter(renamed)?.name).toBe('X');
  });

  it('a description change sets the description', () => {
    const changed: EventDraft = {
      type: 'DataSourceDescriptionChanged',
      data: { description: 'Primary' },
    };
    expect(sourceAfter(changed)?.description).toBe('Primary');
  });

  it('a config update sets the config and makes the source configuring', () => {
    const next = config({ host: 'replica.internal' });
    const source = sourceAfter(draft.activated, {
      type: 'DataSourceConfigUpdated',
      data: { config: next },
    });
    expect(source?.config).toEqual(next);
    expect(source?.status).toBe(DataSourceStatus.CONFIGURING);
  });

  it('a metadata replacement replaces the whole metadata', () => {
    const source = given([
      registered({ metadata: { a: 1, b: 2 } }),
      { type: 'DataSourceMetadataReplaced', data: { metadata: { c: 3 } } },
    ]).state.source;
    expect(source?.metadata).toEqual({ c: 3 });
  });

  it('activation makes the source active and clears its last error', () => {
    const source = sourceAfter(errorRecorded('refused'), draft.activated);
    expect(source?.status).toBe(DataSourceStatus.ACTIVE);
    expect(source?.lastError).toBeNull();
  });

  it('activation keeps the error count', () => {
    expect(sourceAfter(errorRecorded('refused'), draft.activated)?.errorCount).toBe(1);
  });

  it('deactivation makes the source inactive', () => {
    expect(sourceAfter(draft.activated, draft.deactivated)?.status).toBe(DataSourceStatus.INACTIVE);
  });

  it('deprecation makes the source deprecated', () => {
    expect(sourceAfter(draft.deprecated)?.status).toBe(DataSourceStatus.DEPRECATED);
  });

  it('a recorded connection counts one more and sets lastConnected to its time', () => {
    const source = sourceAfter(draft.connectionRecorded, draft.connectionRecorded);
    expect(source?.connectionCount).toBe(2);
    expect(source?.lastConnected).toBe(timeOf(3));
  });

  it('a recorded connection leaves the status alone', () => {
    expect(sourceAfter(draft.connectionRecorded)?.status).toBe(DataSourceStatus.PENDING);
  });

  it('a recorded error counts one more, keeps the message and puts the source in error', () => {
    const source = sourceAfter(draft.activated, errorRecorded('a'), errorRecorded('b'));
    expect(source?.errorCount).toBe(2);
    expect(source?.lastError).toBe('b');
    expect(source?.status).toBe(DataSourceStatus.ERROR);
  });

  it('a recorded error on a deprecated source is counted but leaves it deprecated', () => {
    const source = sourceAfter(draft.deprecated, errorRecorded('late'));
    expect(source?.errorCount).toBe(1);
    expect(source?.lastError).toBe('late');
    expect(source?.status).toBe(DataSourceStatus.DEPRECATED);
  });

  it('an added tag goes at the end of the tags', () => {
    const source = given([registered({ tags: ['a'] }), { type: 'TagAdded', data: { tag: 'b' } }])
      .state.source;
    expect(source?.tags).toEqual(['a', 'b']);
  });

  it('a tag added twice is kept once', () => {
    const source = given([registered({ tags: ['a'] }), { type: 'TagAdded', data: { tag: 'a' } }])
      .state.source;
    expect(source?.tags).toEqual(['a']);
  });

  it('a removed tag leaves the others in order', () => {
    const source = given([
      registered({ tags: ['a', 'b', 'c'] }),
      { type: 'TagRemoved', data: { tag: 'b' } },
    ]).state.source;
    expect(source?.tags).toEqual(['a', 'c']);
  });

  it('a granted role is added to the access roles once', () => {
    const source = given([
      registered({ accessRoles: ['a'] }),
      { type: 'AccessGranted', data: { role: 'b' } },
      { type: 'AccessGranted', data: { role: 'b' } },
    ]).state.source;
    expect(source?.accessRoles).toEqual(['a', 'b']);
  });

  it('a revoked role is removed from the access roles', () => {
    const source = given([
      registered({ accessRoles: ['a', 'b'] }),
      { type: 'AccessRevoked', data: { role: 'a' } },
    ]).state.source;
    expect(source?.accessRoles).toEqual(['b']);
  });

  it('deletion leaves the stream with no source', () => {
    const { state } = given([
      registered(),
      { type: 'DataSourceDeleted', data: { reason: 'deleted' } },
    ]);
    expect(state.source).toBeNull();
    expect(isDeleted(state)).toBe(true);
  });

  it('deletion still counts in the stream version', () => {
    const { state } = given([
      registered(),
      draft.activated,
      { type: 'DataSourceDeleted', data: { reason: 'tenant_cleared' } },
    ]);
    expect(state.version).toBe(3);
  });

  it('every event raises the version and updatedAt, and createdAt stays', () => {
    const source = sourceAfter(draft.activated, draft.connectionRecorded);
    expect(source?.version).toBe(3);
    expect(source?.updatedAt).toBe(timeOf(3));
    expect(source?.createdAt).toBe(timeOf(1));
  });
});

describe('snapshots', () => {
  it('evolve returns a new stream and leaves the old one as it was', () => {
    const before = given([registered({ tags: ['a'] })]).state;
    const json = plainJson(before);
    const [added] = envelope([{ type: 'TagAdded', data: { tag: 'b' } }], { after: 1 });
    const after = evolve(before, added as DataSourceEvent);
    expect(after).not.toBe(before);
    expect(plainJson(before)).toBe(json);
    expect(after.source?.tags).toEqual(['a', 'b']);
  });

  it('the state is deeply frozen, down to the config options and metadata', () => {
    const { state } = given([
      registered({
        config: config({ options: { nested: { list: [1] } }, oauthConfig: { id: 'x' } }),
        metadata: { deep: { list: [1] } },
        tags: ['a'],
      }),
    ]);
    const source = state.source;
    expect(Object.isFrozen(state)).toBe(true);
    expect(Object.isFrozen(source)).toBe(true);
    expect(Object.isFrozen(source?.tags)).toBe(true);
    expect(Object.isFrozen(source?.accessRoles)).toBe(true);
    expect(Object.isFrozen(source?.metadata.deep)).toBe(true);
    expect(Object.isFrozen(source?.config.options.nested)).toBe(true);
    expect(Object.isFrozen(source?.config.oauthConfig)).toBe(true);
  });

  it('a snapshot refuses to be changed', () => {
    const tags = (given([registered({ tags: ['a'] })]).state.source?.tags ?? []) as string[];
    expect(() => tags.push('b')).toThrow(TypeError);
  });

  it('the state after a change is deeply frozen too', () => {
    const source = sourceAfter({
      type: 'DataSourceConfigUpdated',
      data: { config: config({ options: { retry: { backoff: [1, 2] } } }) },
    });
    expect(Object.isFrozen(source?.config.options.retry)).toBe(true);
  });
});

describe('a corrupt log', () => {
  const [first, second, third] = envelope([registered(), draft.activated, draft.deactivated]);
  const started = fold([first as DataSourceEvent]);

  it('an event that skips a stream version is CORRUPT_LOG', () => {
    const error = caught(() => evolve(started, third as DataSourceEvent));
    expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
  });

  it('an event that repeats a stream version is CORRUPT_LOG', () => {
    const error = caught(() => evolve(started, first as DataSourceEvent));
    expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
  });

  it('an event on a stream that was never registered is CORRUPT_LOG', () => {
    const [activated] = envelope([draft.activated]);
    const error = caught(() => evolve(EMPTY_STREAM, activated as DataSourceEvent));
    expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
  });

  it('an event after the deletion is CORRUPT_LOG', () => {
    const events = envelope([
      registered(),
      { type: 'DataSourceDeleted', data: { reason: 'deleted' } },
      draft.activated,
    ]);
    const error = caught(() => fold(events));
    expect(error.code).toBe(ErrorCode.CORRUPT_LOG);
  });

  it('a registration after the deletion is CORRUPT_LOG: a deleted source never comes back', () => {
    const events = envelope([
      registered(),
      { type: 'DataSourceDeleted', data: { reason: 'deleted' } },
      registered(),
    ]);
    expect(caught(() => fold(events)).code).toBe(ErrorCode.CORRUPT_LOG);
  });

  it('a second registration of the same stream is CORRUPT_LOG', () => {
    const events = envelope([registered(), registered()]);
    expect(caught(() => fold(events)).code).toBe(ErrorCode.CORRUPT_LOG);
  });

  it('the error names the event, its position and the stream', () => {
    const error = caught(() => evolve(started, third as DataSourceEvent));
    expect(error.sourceId).toBe(SOURCE_ID);
    expect(error.details).toEqual({
      eventId: third?.eventId,
      position: third?.position,
      type: 'DataSourceDeactivated',
    });
  });

  it('a refused event leaves the stream it was applied to untouched', () => {
    caught(() => evolve(started, third as DataSourceEvent));
    expect(started.version).toBe(1);
    expect(fold([second as DataSourceEvent], started).source?.status).toBe(DataSourceStatus.ACTIVE);
  });
});

describe('replay', () => {
  const history = envelope([
    registered({ tags: ['a'], metadata: { x: [1, { y: 2 }] } }),
    draft.activated,
    draft.connectionRecorded,
    errorRecorded('refused'),
    { type: 'TagAdded', data: { tag: 'b' } },
    { type: 'DataSourceConfigUpdated', data: { config: config({ host: 'h2', port: 1 }) } },
    { type: 'DataSourceRenamed', data: { from: 'Orders DB', to: 'Orders' } },
  ]);

  it('replaying the same events twice gives the same state, byte for byte', () => {
    expect(plainJson(fold(history))).toBe(plainJson(fold(history)));
  });

  it('replaying events that went through JSON gives the same state, byte for byte', () => {
    const stored = history.map((event) => JSON.parse(JSON.stringify(event)) as DataSourceEvent);
    expect(plainJson(fold(stored))).toBe(plainJson(fold(history)));
  });
});
