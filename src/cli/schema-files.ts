import { eventJsonSchemas, type JsonSchema, jsonSchemas } from '../domain/json-schemas.js';

/** Where each schema is written under docs/schemas/: a file name per schema. */
const FILE_NAMES = {
  event: 'event.json',
  registerInput: 'register-input.json',
  updateInput: 'update-input.json',
  commandContext: 'command-context.json',
  configInput: 'config-input.json',
  config: 'config.json',
} as const satisfies Record<keyof typeof jsonSchemas, string>;

const text = (schema: JsonSchema): string => `${JSON.stringify(schema, null, 2)}\n`;

/** The files of docs/schemas/ (but its README), by path under it, with their text. */
export function schemaFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [key, name] of Object.entries(FILE_NAMES)) {
    files.set(name, text(jsonSchemas[key as keyof typeof FILE_NAMES]));
  }
  for (const [type, schema] of Object.entries(eventJsonSchemas)) {
    files.set(`events/${type}.json`, text(schema));
  }
  return files;
}
