import { type CommandContext, commandContextSchema } from '../domain/commands.js';
import type { CustomerDataSource } from '../domain/data-source.js';
import { DataSourceError, ErrorCode, parseInput } from '../domain/errors.js';
import {
  CURRENT_SCHEMA_VERSION,
  type DataSourceEvent,
  type EventDraft,
  type EventMetadata,
} from '../domain/events.js';
import { deepFreeze } from '../domain/freeze.js';
import { fingerprintConfig, type SecretFingerprinter } from '../security/secret-fingerprints.js';
import { eventProblems } from './read-events.js';

/** A validated command context: who acts, why, and the version they saw. */
export interface ParsedContext {
  metadata: EventMetadata;
  expectedVersion: number | undefined;
}

const NO_CONTEXT: ParsedContext = Object.freeze({
  metadata: Object.freeze({}),
  expectedVersion: undefined,
});

export function parseContext(ctx: CommandContext | undefined): ParsedContext {
  // Stryker disable next-line ConditionalExpression: a shortcut; parsing no context gives NO_CONTEXT's values
  if (ctx === undefined) return NO_CONTEXT;
  const parsed = parseInput(commandContextSchema, ctx ?? {}, 'command context');
  const metadata: EventMetadata = { ...parsed.metadata };
  if (parsed.actor !== undefined) metadata.actor = parsed.actor;
  if (parsed.correlationId !== undefined) metadata.correlationId = parsed.correlationId;
  if (parsed.causationId !== undefined) metadata.causationId = parsed.causationId;
  return { metadata: deepFreeze(metadata), expectedVersion: parsed.expectedVersion };
}

/** Where a command's events go and what envelope they get. */
export interface EnvelopeInput {
  sourceId: string;
  tenantId: string;
  /** The stream's version before these events. */
  version: number;
  occurredAt: string;
  metadata: EventMetadata;
  newId: () => string;
  /** Fingerprints the secrets of the configs the events carry. */
  fingerprint: SecretFingerprinter;
  /** The source the drafts were decided on: its secrets keep their fingerprints. */
  before: CustomerDataSource | null;
}

function badClock(message: string, cause?: unknown): DataSourceError {
  return new DataSourceError(`The registry's clock ${message}`, {
    code: ErrorCode.INVALID_INPUT,
    details: { issues: [{ path: 'clock', message }] },
    cause,
  });
}

/**
 * The time a command's events occur at, from the registry's clock, as the log
 * writes it. A clock that throws or returns an invalid Date is named, rather
 * than a RangeError escaping from `toISOString`.
 */
export function occurredAtOf(clock: () => Date): string {
  let now: unknown;
  try {
    now = clock();
  } catch (error) {
    throw badClock('threw', error);
  }
  if (!(now instanceof Date)) throw badClock('did not return a valid Date');
  const time = now.getTime();
  if (Number.isNaN(time)) throw badClock('did not return a valid Date');
  // Commands within one millisecond share its text: formatting a date costs more than the rest of the envelope.
  // Stryker disable next-line ConditionalExpression: formatting the same time again gives the same text
  if (time !== lastTime) {
    lastIso = now.toISOString();
    lastTime = time;
  }
  return lastIso;
}

let lastTime = Number.NaN;
let lastIso = '';

/**
 * Refuses events the log could not read back: each is checked against the
 * schema events are read with before anything is appended, so a value that
 * slipped past the input checks (a clock in year 10000) fails the command
 * instead of making the log unreadable.
 */
function assertReadable(events: readonly DataSourceEvent[]): void {
  for (const event of events) {
    const issues = eventProblems(event);
    if (issues.length === 0) continue;
    const clock = issues.find((issue) => issue.path === 'occurredAt');
    if (clock)
      throw badClock(`gave ${event.occurredAt}, which the log cannot hold (${clock.message})`);
    throw new DataSourceError(
      `Invalid ${event.type} event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      { code: ErrorCode.INVALID_INPUT, sourceId: event.sourceId, details: { issues } },
    );
  }
}

/**
 * The draft's data as the log keeps it: a config comes with the fingerprints
 * of its secrets. They are made here, not by `decide`, because they need a
 * key, and they travel in the event so that every reader, a registry opened
 * read-only without the key included, shows the same ones.
 */
function withFingerprints(draft: EventDraft, input: EnvelopeInput): EventDraft['data'] {
  if (draft.type !== 'DataSourceRegistered' && draft.type !== 'DataSourceConfigUpdated') {
    return draft.data;
  }
  const secretFingerprints = fingerprintConfig(draft.data.config, input.fingerprint, input.before);
  return { ...draft.data, secretFingerprints };
}

/**
 * Wraps decided drafts in their envelopes, each checked as the log will read
 * it. Position 0 marks "not yet in the log"; the store's answer replaces it.
 */
export function envelope(drafts: readonly EventDraft[], input: EnvelopeInput): DataSourceEvent[] {
  const events: { -readonly [K in keyof DataSourceEvent]: DataSourceEvent[K] }[] = [];
  for (let i = 0; i < drafts.length; i++) {
    const draft = drafts[i] as EventDraft;
    events.push({
      eventId: input.newId(),
      type: draft.type,
      schemaVersion: CURRENT_SCHEMA_VERSION,
      sourceId: input.sourceId,
      tenantId: input.tenantId,
      streamVersion: input.version + i + 1,
      // Checked at a position, as the log will hold them, then marked as not in it yet.
      position: 1,
      occurredAt: input.occurredAt,
      data: deepFreeze(withFingerprints(draft, input)),
      metadata: input.metadata,
    } as DataSourceEvent);
  }
  assertReadable(events as DataSourceEvent[]);
  for (const event of events) event.position = 0;
  return events as DataSourceEvent[];
}

/**
 * A committed event: the one appended, at the position the store gave it.
 * Its data and metadata were frozen when it was made; only the envelope is
 * new, and it is written out field by field, which V8 builds much faster than
 * a spread.
 */
export function atPosition(event: DataSourceEvent, position: number): DataSourceEvent {
  return Object.freeze({
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    sourceId: event.sourceId,
    tenantId: event.tenantId,
    streamVersion: event.streamVersion,
    position,
    occurredAt: event.occurredAt,
    data: event.data,
    metadata: event.metadata,
  }) as DataSourceEvent;
}

/**
 * The expected versions of an append, keyed by stream id. A prototype-less
 * object: an object literal with the id as a key would give V8 a new hidden
 * class for every id ever seen, which made commands slower as sources grew.
 */
export function expectedVersions(sourceId?: string, version?: number): Record<string, number> {
  const expected: Record<string, number> = Object.create(null);
  if (sourceId !== undefined && version !== undefined) expected[sourceId] = version;
  return expected;
}
