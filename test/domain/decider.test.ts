import { type Decider, DeciderSpecification } from '@event-driven-io/emmett';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  DataSourceConfig,
  type DataSourceDeciderCommand,
  type DataSourceDeciderEvent,
  DataSourceError,
  DataSourceStatus,
  DataSourceType,
  dataSourceDecider,
  ErrorCode,
  type SourceStream,
} from '../../src/index.js';

const now = new Date('2024-05-01T12:00:00.000Z');
const origin = { sourceId: 'src-1', tenantId: 'tenant-1', occurredAt: now.toISOString() };
const config = DataSourceConfig.create({ host: 'db.internal', password: 's3cret' });

const register: DataSourceDeciderCommand = {
  type: 'Register',
  data: {
    sourceId: 'src-1',
    tenantId: 'tenant-1',
    name: 'Orders',
    sourceType: DataSourceType.DATABASE,
    config,
    description: null,
    tags: [],
    metadata: {},
    accessRoles: [],
    ownerId: null,
  },
  metadata: { now },
};

const registered: DataSourceDeciderEvent = {
  type: 'DataSourceRegistered',
  data: {
    name: 'Orders',
    sourceType: DataSourceType.DATABASE,
    config: structuredClone(config),
    description: null,
    tags: [],
    metadata: {},
    accessRoles: [],
    ownerId: null,
  },
  metadata: origin,
};

const activate: DataSourceDeciderCommand = { type: 'Activate', data: {}, metadata: { now } };

describe('the public decider', () => {
  it('is an Emmett Decider of its own command, event and state types', () => {
    const asEmmett: Decider<SourceStream, DataSourceDeciderCommand, DataSourceDeciderEvent> =
      dataSourceDecider;
    expectTypeOf(asEmmett.initialState).returns.toEqualTypeOf<SourceStream>();
    expect(asEmmett.initialState()).toEqual({ version: 0, source: null });
  });

  it('decides a registration from no events, its origin in the metadata', () => {
    // Emmett's then() compares by subset and cannot walk the nulls of a registration.
    expect(dataSourceDecider.decide(register, dataSourceDecider.initialState())).toEqual([
      registered,
    ]);
  });

  it("runs in Emmett's decider specification: activation after registration", () => {
    DeciderSpecification.for(dataSourceDecider)([registered])
      .when(activate)
      .then([{ type: 'DataSourceActivated', data: {}, metadata: origin }]);
  });

  it("runs in Emmett's decider specification: a command that changes nothing", () => {
    const activated = { type: 'DataSourceActivated', data: {}, metadata: origin } as const;
    DeciderSpecification.for(dataSourceDecider)([registered, activated])
      .when(activate)
      .thenNothingHappened();
  });

  it('refuses a command on a stream with no source with INVALID_TRANSITION', () => {
    expect(() => dataSourceDecider.decide(activate, dataSourceDecider.initialState())).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_TRANSITION }),
    );
  });

  it('refuses a command whose now is not a valid date with INVALID_INPUT', () => {
    const late = { ...register, metadata: { now: new Date(Number.NaN) } };
    expect(() => dataSourceDecider.decide(late, dataSourceDecider.initialState())).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_INPUT }),
    );
  });

  it.each([
    ['null', null],
    ['of a type it does not know', { type: 'Archive', data: {}, metadata: { now } }],
    ['without data', { type: 'Activate', metadata: { now } }],
    ['with a time that is not a Date', { type: 'Activate', data: {}, metadata: { now: 'now' } }],
  ])('refuses a command %s with INVALID_INPUT', (_, command) => {
    const state = dataSourceDecider.evolve(dataSourceDecider.initialState(), registered);
    expect(() => dataSourceDecider.decide(command as never, state)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_INPUT }),
    );
  });

  it('folds its events into the source the registry would hold', () => {
    const events = dataSourceDecider.decide(register, dataSourceDecider.initialState());
    const state = events.reduce(dataSourceDecider.evolve, dataSourceDecider.initialState());
    const next = dataSourceDecider.decide(activate, state).reduce(dataSourceDecider.evolve, state);

    expect(next.version).toBe(2);
    expect(next.source).toMatchObject({
      sourceId: 'src-1',
      tenantId: 'tenant-1',
      name: 'Orders',
      status: DataSourceStatus.ACTIVE,
      createdAt: now.toISOString(),
      version: 2,
    });
    expect(next.source?.config.password).toBe('s3cret');
    expect(Object.isFrozen(next.source)).toBe(true);
    expect(state.source?.status).toBe(DataSourceStatus.PENDING);
  });

  it('refuses to fold a second registration with CORRUPT_LOG, naming the event by its place', () => {
    const state = dataSourceDecider.evolve(dataSourceDecider.initialState(), registered);
    let thrown: unknown;
    try {
      dataSourceDecider.evolve(state, registered);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DataSourceError);
    expect(thrown).toMatchObject({ code: ErrorCode.CORRUPT_LOG });
    expect((thrown as Error).message).toBe(
      'Event DataSourceRegistered at version 2 of src-1: registration of a stream that already exists',
    );
  });
});
