/**
 * docs/schemas/ holds the JSON Schemas the library's zod schemas make today:
 * regenerated in memory, they match the files byte for byte, and no file is
 * left there of a schema that no longer exists. `npm run schemas` rewrites them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { schemaFiles } from '../../src/cli/schema-files.js';

const dir = fileURLToPath(new URL('../../docs/schemas/', import.meta.url));

function jsonFilesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return jsonFilesUnder(path);
    return entry.name.endsWith('.json') ? [relative(dir, path)] : [];
  });
}

it('has a file in docs/schemas/ for every schema, and none for a schema that is gone', () => {
  expect(jsonFilesUnder(dir).sort()).toEqual([...schemaFiles().keys()].sort());
});

it('holds in docs/schemas/ exactly the schemas made now (run npm run schemas when this fails)', () => {
  for (const [path, text] of schemaFiles()) {
    expect(readFileSync(join(dir, path), 'utf8'), path).toBe(text);
  }
});

it('exports the schemas from the datasource-registry/schemas subpath', async () => {
  const manifest = JSON.parse(readFileSync(join(dir, '../../package.json'), 'utf8'));
  expect(manifest.exports['./schemas']).toEqual({
    types: './dist/domain/json-schemas.d.ts',
    default: './dist/domain/json-schemas.js',
  });
  const module = await import('../../src/domain/json-schemas.js');
  expect(Object.keys(module).sort()).toEqual(['eventJsonSchemas', 'jsonSchemas']);
  expect(Object.isFrozen(module.jsonSchemas.event)).toBe(true);
});
