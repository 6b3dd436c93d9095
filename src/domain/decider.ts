import { z } from 'zod';
import type { DataSourceCommand } from './commands.js';
import { decide } from './decide.js';
import { parseInput } from './errors.js';
import type { EventDraft } from './events.js';
import { evolve } from './evolve.js';
import { EMPTY_STREAM, type SourceStream } from './stream.js';

type CommandName = DataSourceCommand['type'];
type CommandFields<K extends CommandName> = Omit<Extract<DataSourceCommand, { type: K }>, 'type'>;

/** What every command carries beside its data: the time it is decided at. */
export interface DataSourceCommandMetadata {
  readonly now: Date;
}

/**
 * A command of the public decider, shaped `{ type, data, metadata }`. Its
 * data is what the registry hands `decide` once it has checked a caller's
 * input: complete configs (`DataSourceConfig.create`), trimmed labels, no
 * duplicate tags or roles. `Register` also names the new source's id.
 */
export type DataSourceDeciderCommand = {
  [K in CommandName]: {
    readonly type: K;
    readonly data: K extends 'Register'
      ? CommandFields<K> & { readonly sourceId: string }
      : CommandFields<K>;
    readonly metadata: DataSourceCommandMetadata;
  };
}[CommandName];

/** Where and when an event of the public decider happened. */
export interface DataSourceEventOrigin {
  readonly sourceId: string;
  readonly tenantId: string;
  /** ISO 8601 in UTC, the command's `now`. */
  readonly occurredAt: string;
}

/**
 * An event of the public decider: the type and data the registry's log holds,
 * with the source, tenant and time in `metadata`, where event stores that keep
 * only type, data and metadata keep them too. The stream version is the
 * event's place in its stream, which the store keeps.
 */
export type DataSourceDeciderEvent = EventDraft & { readonly metadata: DataSourceEventOrigin };

/**
 * The domain of the registry as one value, for a team that keeps its own
 * event store: `decide` turns a command and a stream's state into events,
 * `evolve` folds one event onto a state, `initialState` is a stream with no
 * events, so `events.reduce(evolve, initialState())` is a stream's state.
 */
export interface DataSourceDecider {
  /**
   * The events a command produces on one stream; none when it would change
   * nothing. Pure: the time comes from `command.metadata.now`.
   *
   * @throws DataSourceError INVALID_TRANSITION when the stream's state does
   * not allow the command (no such source, deleted, deprecated), DUPLICATE_ID
   * when `Register` meets a stream that has events, INVALID_INPUT when a tag
   * or role would exceed its limit, or the command is not an object with a
   * known `type`, an object `data` and a valid Date `metadata.now`. Name
   * uniqueness spans streams and is left to the caller.
   */
  decide(command: DataSourceDeciderCommand, state: SourceStream): DataSourceDeciderEvent[];
  /**
   * The state after one more event: a new deeply frozen snapshot, the old one
   * untouched.
   *
   * @throws DataSourceError CORRUPT_LOG when the event cannot follow the state
   * (a second registration, an event after deletion).
   */
  evolve(state: SourceStream, event: DataSourceDeciderEvent): SourceStream;
  /** A stream with no events. */
  initialState(): SourceStream;
}

// Every command type, so a command of a type decide does not know is refused
// as input rather than reaching it; a new command does not compile until listed.
const COMMAND_TYPES = {
  Register: true,
  Update: true,
  UpdateConfig: true,
  Activate: true,
  Deactivate: true,
  Deprecate: true,
  RecordConnection: true,
  RecordError: true,
  AddTag: true,
  RemoveTag: true,
  GrantAccess: true,
  RevokeAccess: true,
  Delete: true,
} as const satisfies Record<CommandName, true>;

// The envelope of a command only: its data is taken as the registry hands it
// to decide, already checked (see DataSourceDeciderCommand).
const commandEnvelopeSchema = z.object({
  type: z.enum(Object.keys(COMMAND_TYPES) as [CommandName, ...CommandName[]]),
  data: z.record(z.string(), z.unknown()),
  metadata: z.object({ now: z.date() }),
});

/** The command as the registry's `decide` takes it, and the new source's id for `Register`. */
function unwrap(command: DataSourceDeciderCommand): {
  flat: DataSourceCommand;
  sourceId: string | null;
} {
  if (command.type === 'Register') {
    const { sourceId, ...fields } = command.data;
    return { flat: { type: 'Register', ...fields }, sourceId };
  }
  // Each variant's data is that command's fields, so the spread is that command.
  return { flat: { type: command.type, ...command.data } as DataSourceCommand, sourceId: null };
}

/** `decide`, `evolve` and `initialState` of one data source's stream, as one value. */
export const dataSourceDecider: DataSourceDecider = Object.freeze({
  decide(command: DataSourceDeciderCommand, state: SourceStream): DataSourceDeciderEvent[] {
    parseInput(commandEnvelopeSchema, command, 'command');
    const at = command.metadata.now.toISOString();
    const { flat, sourceId } = unwrap(command);
    const drafts = decide(flat, state);
    const owner =
      state.source ??
      (flat.type === 'Register' && sourceId !== null
        ? { sourceId, tenantId: flat.tenantId }
        : null);
    if (owner === null) return [];
    const origin: DataSourceEventOrigin = {
      sourceId: owner.sourceId,
      tenantId: owner.tenantId,
      occurredAt: at,
    };
    return drafts.map((draft) => ({ ...draft, metadata: origin }));
  },
  evolve(state: SourceStream, event: DataSourceDeciderEvent): SourceStream {
    const { sourceId, tenantId, occurredAt } = event.metadata;
    return evolve(state, {
      ...event,
      sourceId,
      tenantId,
      occurredAt,
      streamVersion: state.version + 1,
    });
  },
  initialState: (): SourceStream => EMPTY_STREAM,
});
