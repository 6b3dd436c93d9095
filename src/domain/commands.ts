import { z } from 'zod';
import { type DataSourceConfig, dataSourceConfigInputSchema } from './config.js';
import { nameKey } from './data-source.js';
import { dataSourceTypeSchema } from './enums.js';
import { copiedInput } from './input-copy.js';
import { type JsonObject, jsonObjectInputSchema } from './json.js';
import { LIMITS } from './limits.js';
import { REGISTRY_STREAM_PREFIX } from './tenant-stream.js';
import { labelSchema, normalizedLabelSchema, textSchema, utf8Length } from './text.js';

// Every command parses its arguments with these, so they are compiled to
// generated parsers (z.compile): two to five times faster, same errors.
// Inputs with objects in them are copied first (copiedInput): the schema
// checks the copy, and the copy is what the log keeps.

/** A tenant id: trimmed and NFC, so one tenant is never two spellings. */
export const tenantIdSchema = z.compile(normalizedLabelSchema(LIMITS.tenantIdBytes));

/**
 * A name, kept trimmed. Its normalized form (NFC, lower case) is what a store
 * claims in a unique index, and case folding can lengthen it, so both count.
 */
export const nameSchema = z.compile(
  labelSchema(LIMITS.nameBytes).refine(
    // Checked only when the name itself fits, so an oversized name gets one issue.
    (name) => utf8Length(name) > LIMITS.nameBytes || utf8Length(nameKey(name)) <= LIMITS.nameBytes,
    `must be at most ${LIMITS.nameBytes} bytes of UTF-8 after case folding`,
  ),
);

/** A tag, kept and compared after trimming. */
export const tagSchema = z.compile(labelSchema(LIMITS.tagBytes));

/** An access role, kept and compared after trimming. */
export const roleSchema = z.compile(labelSchema(LIMITS.roleBytes));

const streamIdText = textSchema(LIMITS.sourceIdBytes)
  .min(1, 'must not be empty')
  .refine((id) => id.trim() === id, 'must not start or end with whitespace');

/**
 * The id of any stream, a data source's or the registry's own (`$tenant:…`):
 * what reads and commands on an existing stream take. Ids are kept exactly as
 * given, so they must not need trimming.
 */
export const streamIdSchema = z.compile(streamIdText);

/**
 * The id of a new data source: a stream id that does not start with `$`,
 * which marks the registry's own streams.
 */
export const sourceIdSchema = z.compile(
  // A pattern rather than a refinement, so the JSON Schema of the register input says it too.
  streamIdText.regex(
    /^[^$]/,
    `must not start with "${REGISTRY_STREAM_PREFIX}", which marks the registry's own streams`,
  ),
);

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

const uniqueLabels = (label: z.ZodType<string>, max: number, what: string) =>
  z
    .array(label)
    .transform(unique)
    .refine((items) => items.length <= max, `must hold at most ${max} distinct ${what}`);

const descriptionSchema = textSchema(LIMITS.descriptionBytes).nullable().optional();

/** What `registry.register()` accepts. */
export const registerInputSchema = copiedInput(
  z.compile(
    z.strictObject({
      tenantId: tenantIdSchema,
      name: nameSchema,
      sourceType: dataSourceTypeSchema,
      config: dataSourceConfigInputSchema.optional(),
      description: descriptionSchema,
      tags: uniqueLabels(tagSchema, LIMITS.tagsPerSource, 'tags').optional(),
      metadata: jsonObjectInputSchema(LIMITS.metadataBytes).optional(),
      accessRoles: uniqueLabels(roleSchema, LIMITS.rolesPerSource, 'roles').optional(),
      ownerId: textSchema(LIMITS.ownerIdBytes).nullable().optional(),
      sourceId: sourceIdSchema.optional(),
    }),
  ),
);
/**
 * What `register` takes: the tenant, a name free in it and a type; the
 * rest is optional (a config, description, tags, metadata, access roles,
 * owner, and a source id, else a new ULID).
 */
export type RegisterInput = z.input<typeof registerInputSchema>;

/** What `registry.update()` accepts; a config given replaces the whole config. */
export const updateInputSchema = copiedInput(
  z.compile(
    z.strictObject({
      name: nameSchema.optional(),
      description: descriptionSchema,
      config: dataSourceConfigInputSchema.optional(),
      metadata: jsonObjectInputSchema(LIMITS.metadataBytes).optional(),
    }),
  ),
);
/** What `update` may change: name, description, config (whole) and metadata (whole). */
export type UpdateInput = z.input<typeof updateInputSchema>;

const contextText = textSchema(LIMITS.contextTextBytes).optional();

/** Who is acting and why; it lands in the events' metadata. */
export const commandContextSchema = copiedInput(
  z.compile(
    z.strictObject({
      actor: contextText,
      correlationId: contextText,
      causationId: contextText,
      /** The version the caller last saw; a different current version is a CONCURRENCY_CONFLICT. */
      expectedVersion: z.number().int().min(0).optional(),
      metadata: jsonObjectInputSchema(LIMITS.contextMetadataBytes).optional(),
    }),
  ),
);
/**
 * The last argument of every command: who acts (`actor`), how the command
 * relates to others (`correlationId`, `causationId`), fields of your own
 * (`metadata`), all put on the events' metadata, and `expectedVersion`,
 * which makes the command fail with CONCURRENCY_CONFLICT instead of
 * retrying when the source is no longer at that version.
 */
export type CommandContext = z.input<typeof commandContextSchema>;

/** The message of `recordError`: well-formed text, not blank. */
export const errorMessageSchema = z.compile(
  textSchema(LIMITS.errorMessageBytes).refine(
    (message) => message.trim() !== '',
    'must not be empty',
  ),
);

/** A command to one source's stream, already validated, as `decide` takes it. */
export type DataSourceCommand =
  | {
      type: 'Register';
      tenantId: string;
      name: string;
      sourceType: z.infer<typeof dataSourceTypeSchema>;
      config: DataSourceConfig;
      description: string | null;
      tags: string[];
      metadata: JsonObject;
      accessRoles: string[];
      ownerId: string | null;
    }
  | {
      type: 'Update';
      name?: string;
      description?: string | null;
      config?: DataSourceConfig;
      metadata?: JsonObject;
    }
  | { type: 'UpdateConfig'; config: DataSourceConfig }
  | { type: 'Activate' }
  | { type: 'Deactivate' }
  | { type: 'Deprecate' }
  | { type: 'RecordConnection' }
  | { type: 'RecordError'; message: string }
  | { type: 'AddTag'; tag: string }
  | { type: 'RemoveTag'; tag: string }
  | { type: 'GrantAccess'; role: string }
  | { type: 'RevokeAccess'; role: string }
  | { type: 'Delete'; reason: 'deleted' | 'tenant_cleared' | 'tenant_purged' };
