import { castDraft, type Draft, produce } from 'immer';
import { DataSourceStatus } from './enums.js';
import { DataSourceError, ErrorCode } from './errors.js';
import type { DataSourceEvent, EventDraft, EventEnvelope } from './events.js';
import { maskWhenPrinted } from './secret-display.js';
import type { SourceStream } from './stream.js';

/**
 * What folding reads of an event. The log's events have it all; the public
 * decider's events have no id or position yet, which only name an event in
 * errors.
 */
export type FoldableEvent = EventDraft &
  Pick<EventEnvelope, 'sourceId' | 'tenantId' | 'streamVersion' | 'occurredAt'> &
  Partial<Pick<DataSourceEvent, 'eventId' | 'position'>>;

function corrupt(event: FoldableEvent, why: string): DataSourceError {
  const which =
    event.eventId === undefined
      ? `Event ${event.type} at version ${event.streamVersion} of ${event.sourceId}`
      : `Event ${event.eventId} at position ${event.position}`;
  return new DataSourceError(`${which}: ${why}`, {
    code: ErrorCode.CORRUPT_LOG,
    sourceId: event.sourceId,
    details: { eventId: event.eventId, position: event.position, type: event.type },
  });
}

/**
 * Applies one event to a stream by mutation. It reads nothing but the event,
 * so the same log always folds to the same state. `evolve` runs it on an immer
 * draft; the projections run it on a shallow copy that they freeze afterwards.
 * That is safe because it only ever assigns the source's own fields: nested
 * values (config, metadata, tags, roles) are replaced whole, never changed in place.
 *
 * The source's config is the event's config as one that prints its secrets
 * masked: made once per config change, from the event alone, so replaying a
 * log still folds to the same state. The event keeps its plain config.
 */
export function applyEvent(stream: Draft<SourceStream>, event: FoldableEvent): void {
  if (event.streamVersion !== stream.version + 1) {
    throw corrupt(event, `stream version ${event.streamVersion} follows ${stream.version}`);
  }
  stream.version = event.streamVersion;
  if (event.type === 'DataSourceRegistered') {
    if (stream.source !== null || event.streamVersion !== 1) {
      throw corrupt(event, 'registration of a stream that already exists');
    }
    const { data } = event;
    stream.source = {
      sourceId: event.sourceId,
      tenantId: event.tenantId,
      name: data.name,
      sourceType: data.sourceType,
      config: castDraft(maskWhenPrinted(data.config)),
      secretFingerprints: data.secretFingerprints ?? {},
      status: DataSourceStatus.PENDING,
      description: data.description,
      tags: [...data.tags],
      metadata: castDraft(data.metadata),
      accessRoles: [...data.accessRoles],
      ownerId: data.ownerId,
      lastConnected: null,
      lastError: null,
      connectionCount: 0,
      errorCount: 0,
      createdAt: event.occurredAt,
      updatedAt: event.occurredAt,
      version: event.streamVersion,
    };
    return;
  }
  if (event.type === 'TenantPurged') {
    // A tenant's own stream holds no source: its events are counted, nothing more.
    if (stream.source !== null) throw corrupt(event, 'tenant purge on the stream of a source');
    return;
  }
  const source = stream.source;
  if (source === null) throw corrupt(event, 'event on a stream with no live source');
  if (event.type === 'DataSourceDeleted') {
    stream.source = null;
    return;
  }
  source.version = event.streamVersion;
  source.updatedAt = event.occurredAt;
  switch (event.type) {
    case 'DataSourceRenamed':
      source.name = event.data.to;
      break;
    case 'DataSourceDescriptionChanged':
      source.description = event.data.description;
      break;
    case 'DataSourceConfigUpdated':
      source.config = castDraft(maskWhenPrinted(event.data.config));
      // Fingerprints of the config replaced would describe secrets it no longer holds.
      source.secretFingerprints = event.data.secretFingerprints ?? {};
      source.status = DataSourceStatus.CONFIGURING;
      break;
    case 'DataSourceMetadataReplaced':
      source.metadata = castDraft(event.data.metadata);
      break;
    case 'DataSourceActivated':
      source.status = DataSourceStatus.ACTIVE;
      source.lastError = null;
      break;
    case 'DataSourceDeactivated':
      source.status = DataSourceStatus.INACTIVE;
      break;
    case 'DataSourceDeprecated':
      source.status = DataSourceStatus.DEPRECATED;
      break;
    case 'ConnectionRecorded':
      source.connectionCount += 1;
      source.lastConnected = event.occurredAt;
      break;
    case 'ErrorRecorded':
      source.errorCount += 1;
      source.lastError = event.data.error;
      if (source.status !== DataSourceStatus.DEPRECATED) source.status = DataSourceStatus.ERROR;
      break;
    case 'TagAdded':
      if (!source.tags.includes(event.data.tag)) source.tags = [...source.tags, event.data.tag];
      break;
    case 'TagRemoved':
      source.tags = source.tags.filter((tag) => tag !== event.data.tag);
      break;
    case 'AccessGranted':
      if (!source.accessRoles.includes(event.data.role)) {
        source.accessRoles = [...source.accessRoles, event.data.role];
      }
      break;
    case 'AccessRevoked':
      source.accessRoles = source.accessRoles.filter((role) => role !== event.data.role);
      break;
    default: {
      // A new event type does not compile until it is folded here.
      const unhandled: never = event;
      throw corrupt(unhandled, 'unknown event type');
    }
  }
}

/** The stream after one more event: a new frozen snapshot; the old one is untouched. */
export function evolve(stream: SourceStream, event: FoldableEvent): SourceStream {
  return produce(stream, (draft) => applyEvent(draft, event));
}
