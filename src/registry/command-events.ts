import { type CommandContext, commandContextSchema } from '../domain/commands.js';
import { parseInput } from '../domain/errors.js';
import {
  CURRENT_SCHEMA_VERSION,
  type DataSourceEvent,
  type EventDraft,
  type EventMetadata,
} from '../domain/events.js';
import { deepFreeze } from '../domain/freeze.js';

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
}

/**
 * Wraps decided drafts in their envelopes. Position 0 marks "not yet in the
 * log"; the store's answer replaces it.
 */
export function envelope(drafts: readonly EventDraft[], input: EnvelopeInput): DataSourceEvent[] {
  return drafts.map(
    (draft, i) =>
      ({
        eventId: input.newId(),
        type: draft.type,
        schemaVersion: CURRENT_SCHEMA_VERSION,
        sourceId: input.sourceId,
        tenantId: input.tenantId,
        streamVersion: input.version + i + 1,
        position: 0,
        occurredAt: input.occurredAt,
        data: deepFreeze(draft.data),
        metadata: input.metadata,
      }) as DataSourceEvent,
  );
}
