/**
 * A small decider specification, in the manner of Emmett's DeciderSpecification:
 *
 *   given(history).when(command).then(expectedEvents)
 *   given(history).when(command).thenNothing()
 *   given(history).when(command).thenThrows(ErrorCode.INVALID_TRANSITION)
 *
 * `given` takes event drafts (type and data), wraps them in full envelopes with
 * deterministic ids, positions and times, and folds them with `evolve` from
 * the empty stream. `then` also checks every produced event, once enveloped,
 * against its zod schema.
 */
import { expect } from 'vitest';
import type { DataSourceCommand } from '../../src/domain/commands.js';
import { DataSourceConfig, type DataSourceConfigInput } from '../../src/domain/config.js';
import { decide } from '../../src/domain/decide.js';
import { DataSourceType } from '../../src/domain/enums.js';
import { DataSourceError, type ErrorCode, type InputIssue } from '../../src/domain/errors.js';
import {
  CURRENT_SCHEMA_VERSION,
  type DataSourceEvent,
  dataSourceEventSchema,
  type EventData,
  type EventDraft,
} from '../../src/domain/events.js';
import { evolve } from '../../src/domain/evolve.js';
import { EMPTY_STREAM, type SourceStream } from '../../src/domain/stream.js';

export const SOURCE_ID = 'src-1';
export const TENANT_ID = 'tenant-1';

const EPOCH = Date.parse('2024-01-01T00:00:00.000Z');

/** The deterministic time of the event at `streamVersion`: one minute apart. */
export function timeOf(streamVersion: number): string {
  return new Date(EPOCH + streamVersion * 60_000).toISOString();
}

/** Wraps drafts in envelopes that follow the stream's `version` events. */
export function envelope(
  drafts: readonly EventDraft[],
  { after = 0, sourceId = SOURCE_ID, tenantId = TENANT_ID } = {},
): DataSourceEvent[] {
  return drafts.map((draft, i) => {
    const n = after + i + 1;
    return {
      ...draft,
      eventId: `evt-${sourceId}-${String(n).padStart(4, '0')}`,
      schemaVersion: CURRENT_SCHEMA_VERSION,
      sourceId,
      tenantId,
      streamVersion: n,
      position: n,
      occurredAt: timeOf(n),
      metadata: {},
    };
  });
}

/** Folds events with `evolve`, from the empty stream unless told otherwise. */
export function fold(events: readonly DataSourceEvent[], from: SourceStream = EMPTY_STREAM) {
  return events.reduce(evolve, from);
}

/** Runs `fn` and returns the DataSourceError it throws; fails when it throws nothing else. */
export function caught(fn: () => unknown): DataSourceError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DataSourceError);
    return error as DataSourceError;
  }
  throw new Error('expected a DataSourceError, but nothing was thrown');
}

/** The `details.issues` of an INVALID_INPUT, or an empty list. */
export function issuesOf(error: DataSourceError): InputIssue[] {
  return DataSourceError.is(error, 'INVALID_INPUT') ? [...error.details.issues] : [];
}

export interface Outcome {
  /** The produced events equal these drafts, in order, and each passes its schema. */
  then(expected: readonly EventDraft[]): void;
  /** The command changes nothing, so it appends nothing. */
  thenNothing(): void;
  /** The command is refused with this code; returns the error for further checks. */
  thenThrows(code: ErrorCode): DataSourceError;
}

export interface Given {
  readonly state: SourceStream;
  readonly events: readonly DataSourceEvent[];
  when(command: DataSourceCommand): Outcome;
}

export function given(drafts: readonly EventDraft[] = []): Given {
  const events = envelope(drafts);
  const state = fold(events);
  return {
    state,
    events,
    when(command) {
      const run = () => decide(command, state);
      return {
        // biome-ignore lint/suspicious/noThenProperty: given/when/then wording; never awaited
        then(expected) {
          const produced = run();
          expect(produced).toEqual(expected);
          for (const event of envelope(produced, { after: state.version })) {
            expect(() => dataSourceEventSchema.parse(event)).not.toThrow();
          }
        },
        thenNothing() {
          expect(run()).toEqual([]);
        },
        thenThrows(code) {
          const error = caught(run);
          expect(error.code).toBe(code);
          return error;
        },
      };
    },
  };
}

/** The data of a registration, with test defaults. */
export function registration(
  overrides: Partial<EventData<'DataSourceRegistered'>> = {},
): EventData<'DataSourceRegistered'> {
  return {
    name: 'Orders DB',
    sourceType: DataSourceType.DATABASE,
    config: DataSourceConfig.create({ host: 'db.internal', port: 5432, password: 's3cret' }),
    description: null,
    tags: [],
    metadata: {},
    accessRoles: [],
    ownerId: null,
    ...overrides,
  };
}

/** A DataSourceRegistered draft. */
export function registered(overrides: Partial<EventData<'DataSourceRegistered'>> = {}): EventDraft {
  return { type: 'DataSourceRegistered', data: registration(overrides) };
}

/** The Register command that yields `registered(overrides)`. */
export function registerCommand(
  overrides: Partial<EventData<'DataSourceRegistered'>> = {},
): Extract<DataSourceCommand, { type: 'Register' }> {
  return { type: 'Register', tenantId: TENANT_ID, ...registration(overrides) };
}

/** A config, for commands and drafts. */
export function config(input: DataSourceConfigInput = {}): DataSourceConfig {
  return DataSourceConfig.create(input);
}

/** Drafts of the data-less events, by type. */
export const draft = {
  activated: { type: 'DataSourceActivated', data: {} },
  deactivated: { type: 'DataSourceDeactivated', data: {} },
  deprecated: { type: 'DataSourceDeprecated', data: {} },
  connectionRecorded: { type: 'ConnectionRecorded', data: {} },
} as const satisfies Record<string, EventDraft>;
