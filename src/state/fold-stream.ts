import { castDraft, type Draft } from 'immer';
import type { CustomerDataSource } from '../domain/data-source.js';
import type { DataSourceEvent } from '../domain/events.js';
import { applyEvent } from '../domain/evolve.js';
import { deepFreeze } from '../domain/freeze.js';
import type { SourceStream } from '../domain/stream.js';

/** A mutable copy of a frozen source; spelled out, as spreading a frozen object is slow in V8. */
function thaw(source: CustomerDataSource): Draft<CustomerDataSource> {
  return {
    sourceId: source.sourceId,
    tenantId: source.tenantId,
    name: source.name,
    sourceType: source.sourceType,
    config: castDraft(source.config),
    secretFingerprints: source.secretFingerprints,
    status: source.status,
    description: source.description,
    tags: castDraft(source.tags),
    metadata: castDraft(source.metadata),
    accessRoles: castDraft(source.accessRoles),
    ownerId: source.ownerId,
    lastConnected: source.lastConnected,
    lastError: source.lastError,
    connectionCount: source.connectionCount,
    errorCount: source.errorCount,
    createdAt: source.createdAt,
    updatedAt: source.updatedAt,
    version: source.version,
  };
}

/**
 * Folds a stream's new events into a copy of its state: the same recipe as
 * `evolve`, run on a shallow copy and frozen once, since the recipe never
 * changes a nested value in place. Replaying a log or applying a command costs
 * a copy of one object instead of an immer draft per event; `deepFreeze`
 * stops at the event data the source shares, which is frozen already.
 */
export function foldStream(before: SourceStream, events: readonly DataSourceEvent[]): SourceStream {
  const stream: Draft<SourceStream> = {
    version: before.version,
    source: before.source && thaw(before.source),
  };
  for (const event of events) applyEvent(stream, event);
  return freezeStream(stream);
}

/**
 * `deepFreeze(stream)`, with the test for a value to descend into done in
 * the loop: most of a source's fields are strings and numbers, and the
 * nested values it shares with events are frozen already.
 */
function freezeStream(stream: Draft<SourceStream>): SourceStream {
  const { source } = stream;
  // Stryker disable next-line ConditionalExpression: freezing and walking null does nothing
  if (source !== null) {
    Object.freeze(source);
    for (const key in source) {
      const value: unknown = source[key as keyof typeof source];
      // Stryker disable next-line ConditionalExpression,LogicalOperator: a shortcut; deepFreeze returns primitives as they are and leaves a frozen value frozen
      if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) deepFreeze(value);
    }
  }
  return Object.freeze(stream) as SourceStream;
}
