/**
 * JSON Schemas (draft 2020-12) of the events, the commands' inputs and the
 * config, made from the zod schemas the library itself checks with, for
 * consumers in other languages. Loaded only through the `./schemas` subpath,
 * so the package root does not pay for making them.
 */
import { z } from 'zod';
import { commandContextSchema, registerInputSchema, updateInputSchema } from './commands.js';
import { dataSourceConfigInputSchema, dataSourceConfigSchema } from './config.js';
import { dataSourceEventSchema, EVENT_TYPES, type EventType } from './events.js';
import { deepFreeze } from './freeze.js';
import { jsonValueSchema } from './json.js';

/** A JSON Schema document, as plain JSON. */
export type JsonSchema = z.core.JSONSchema.BaseSchema;

// JSON values are checked in one plain walk (a zod custom check), which JSON
// Schema cannot express: a JSON value of every kind stays `{}`, a JSON object
// says it is one.
const override: NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override'] = ({
  zodSchema,
  jsonSchema,
}) => {
  if (zodSchema._zod.def.type === 'custom' && zodSchema !== jsonValueSchema) {
    jsonSchema.type = 'object';
  }
};

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output', title: string): JsonSchema {
  const made = z.toJSONSchema(schema, { io, unrepresentable: 'any', override });
  return { ...made, title };
}

const eventSchemaOf = (type: EventType): z.ZodType => {
  const found = dataSourceEventSchema.options.find((option) => option.shape.type.value === type);
  if (found === undefined) throw new Error(`No event schema for ${type}`);
  return found;
};

/** The schema of each event type: the envelope with that type's data. */
export const eventJsonSchemas: Readonly<Record<EventType, JsonSchema>> = deepFreeze(
  Object.fromEntries(
    EVENT_TYPES.map((type) => [type, toJsonSchema(eventSchemaOf(type), 'output', type)]),
  ) as Record<EventType, JsonSchema>,
);

/**
 * Every schema, by name: `event` (any event of the log, one of the types),
 * the commands' inputs as the registry accepts them, and the config both as
 * `DataSourceConfig.create` accepts it and as events hold it (every key
 * present).
 */
export const jsonSchemas = deepFreeze({
  event: toJsonSchema(dataSourceEventSchema, 'output', 'DataSourceEvent'),
  registerInput: toJsonSchema(registerInputSchema, 'input', 'RegisterInput'),
  updateInput: toJsonSchema(updateInputSchema, 'input', 'UpdateInput'),
  commandContext: toJsonSchema(commandContextSchema, 'input', 'CommandContext'),
  configInput: toJsonSchema(dataSourceConfigInputSchema, 'input', 'DataSourceConfigInput'),
  config: toJsonSchema(dataSourceConfigSchema, 'output', 'DataSourceConfig'),
}) satisfies Readonly<Record<string, JsonSchema>>;
