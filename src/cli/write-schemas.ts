/**
 * Writes the JSON Schemas of the events, the commands' inputs and the config
 * to docs/schemas/ (`npm run schemas`). A test fails when the files there
 * are not what this would write.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaFiles } from './schema-files.js';

const dir = fileURLToPath(new URL('../../docs/schemas/', import.meta.url));

// An event type removed from the catalog leaves no stale schema behind.
rmSync(join(dir, 'events'), { recursive: true, force: true });
for (const name of readdirSync(dir, { withFileTypes: true })) {
  if (name.isFile() && name.name.endsWith('.json')) rmSync(join(dir, name.name));
}
const files = schemaFiles();
for (const [path, text] of files) {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}
console.log(`wrote ${files.size} schemas to docs/schemas/`);
