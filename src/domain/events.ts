import { z } from 'zod';
import { dataSourceConfigSchema } from './config.js';
import type { DeepReadonly } from './deep-readonly.js';
import { dataSourceTypeSchema } from './enums.js';
import { jsonObjectSchema, jsonValueSchema } from './json.js';
import { secretFingerprintsSchema } from './secret-fingerprints.js';

/**
 * Each event's name; docs/events.md is the catalog. All but `TenantPurged`
 * are events of a data source's stream; `TenantPurged` is on its tenant's.
 */
export const EventType = {
  DataSourceRegistered: 'DataSourceRegistered',
  DataSourceRenamed: 'DataSourceRenamed',
  DataSourceDescriptionChanged: 'DataSourceDescriptionChanged',
  DataSourceConfigUpdated: 'DataSourceConfigUpdated',
  DataSourceMetadataReplaced: 'DataSourceMetadataReplaced',
  DataSourceActivated: 'DataSourceActivated',
  DataSourceDeactivated: 'DataSourceDeactivated',
  DataSourceDeprecated: 'DataSourceDeprecated',
  ConnectionRecorded: 'ConnectionRecorded',
  ErrorRecorded: 'ErrorRecorded',
  TagAdded: 'TagAdded',
  TagRemoved: 'TagRemoved',
  AccessGranted: 'AccessGranted',
  AccessRevoked: 'AccessRevoked',
  DataSourceDeleted: 'DataSourceDeleted',
  TenantPurged: 'TenantPurged',
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
export const EVENT_TYPES: readonly EventType[] = Object.values(EventType);

/**
 * The shape of the events' data today, for the whole catalog. Raise it when
 * one type's data changes shape, and add the step from the old shape to
 * `EVENT_UPCASTERS` (upcasters.ts): events already in a log keep the version
 * they were written with and are raised when read.
 *
 * 2: `DataSourceRegistered` and `DataSourceConfigUpdated` carry
 * `secretFingerprints`.
 */
export const CURRENT_SCHEMA_VERSION = 2;

const nothing = z.strictObject({});
const label = z.string().min(1);

/** The data schema of every event type. */
export const eventDataSchemas = {
  DataSourceRegistered: z.strictObject({
    name: label,
    sourceType: dataSourceTypeSchema,
    config: dataSourceConfigSchema,
    description: z.string().nullable(),
    tags: z.array(label),
    metadata: jsonObjectSchema,
    accessRoles: z.array(label),
    ownerId: z.string().nullable(),
    /** Absent from events written before version 2. */
    secretFingerprints: secretFingerprintsSchema.optional(),
  }),
  DataSourceRenamed: z.strictObject({ from: label, to: label }),
  DataSourceDescriptionChanged: z.strictObject({ description: z.string().nullable() }),
  DataSourceConfigUpdated: z.strictObject({
    config: dataSourceConfigSchema,
    /** Absent from events written before version 2. */
    secretFingerprints: secretFingerprintsSchema.optional(),
  }),
  DataSourceMetadataReplaced: z.strictObject({ metadata: jsonObjectSchema }),
  DataSourceActivated: nothing,
  DataSourceDeactivated: nothing,
  DataSourceDeprecated: nothing,
  ConnectionRecorded: nothing,
  ErrorRecorded: z.strictObject({ error: z.string() }),
  TagAdded: z.strictObject({ tag: label }),
  TagRemoved: z.strictObject({ tag: label }),
  AccessGranted: z.strictObject({ role: label }),
  AccessRevoked: z.strictObject({ role: label }),
  DataSourceDeleted: z.strictObject({
    reason: z.enum(['deleted', 'tenant_cleared', 'tenant_purged']),
  }),
  /** On the tenant's own stream (`$tenant:<tenantId>`), never a source's: how many sources the purge deleted. */
  TenantPurged: z.strictObject({ deletedSources: z.number().int().min(0) }),
} as const satisfies Record<EventType, z.ZodType>;

/** Who and why, carried with every event. Extra keys are any JSON the caller passed. */
export const eventMetadataSchema = z
  .object({
    actor: z.string().optional(),
    correlationId: z.string().optional(),
    causationId: z.string().optional(),
  })
  .catchall(jsonValueSchema);
/** Who made an event and why: the command context's actor, ids and fields of its own. */
export type EventMetadata = z.infer<typeof eventMetadataSchema>;

const envelopeShape = {
  eventId: z.string().min(1),
  schemaVersion: z.number().int().min(1),
  sourceId: z.string().min(1),
  tenantId: z.string().min(1),
  streamVersion: z.number().int().min(1),
  position: z.number().int().min(1),
  occurredAt: z.iso.datetime(),
  metadata: eventMetadataSchema,
};

type DataSchemas = typeof eventDataSchemas;

function eventSchema<T extends EventType>(type: T) {
  return z.strictObject({
    ...envelopeShape,
    type: z.literal(type),
    data: eventDataSchemas[type] as DataSchemas[T],
  });
}

/** The envelope with its data, checked per type: what the log holds. */
export const dataSourceEventSchema = z.discriminatedUnion(
  'type',
  EVENT_TYPES.map(eventSchema) as unknown as [
    ReturnType<typeof eventSchema<EventType>>,
    ...ReturnType<typeof eventSchema<EventType>>[],
  ],
);

/** The data of the event of type T. */
export type EventData<T extends EventType> = z.infer<DataSchemas[T]>;

/** What `decide` returns: the type and data of an event, before it has an envelope. */
export type EventDraft = {
  [T in EventType]: DeepReadonly<{ type: T; data: EventData<T> }>;
}[EventType];

const eventEnvelopeSchema = z.strictObject(envelopeShape);
/** The envelope without type and data. */
export type EventEnvelope = z.infer<typeof eventEnvelopeSchema>;

/**
 * One event of the log, typed by its `type`; deeply readonly, as every event
 * the registry hands out is frozen.
 */
export type DataSourceEvent = EventDraft & Readonly<EventEnvelope>;

/** The event of one type, for typed listeners. */
export type EventOfType<T extends EventType> = Extract<DataSourceEvent, { type: T }>;
