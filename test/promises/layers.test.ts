import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const src = join(root, 'src');

/** One row of the layer table: the paths it covers, and what they may import. */
interface Layer {
  name: string;
  paths: string[];
  /** Layer names and file paths (relative to src/) it may import; null: anything. */
  mayImport: string[] | null;
}

const ticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);

/** The table under "## Layers" in docs/architecture.md, read as the rule it states. */
function layerTable(): Layer[] {
  const doc = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const section = doc.split(/^## /m).find((part) => part.startsWith('Layers')) ?? '';
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  const layers: Layer[] = [];
  for (const [folders = '', , may = ''] of rows) {
    const paths = ticked(folders).map((path) => path.replace(/\/$/, ''));
    let mayImport: string[] | null;
    if (may === '') mayImport = null;
    else if (/nothing of ours/.test(may)) mayImport = [];
    else if (/all of the above/.test(may)) mayImport = layers.map((layer) => layer.name);
    else {
      mayImport = ticked(may).map((path) => path.replace(/\/$/, ''));
      if (/store subpaths/.test(may))
        mayImport.push('store/sqlite/index.ts', 'store/postgres/index.ts');
    }
    layers.push({ name: paths[0] ?? '', paths, mayImport });
  }
  return layers;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative module a file imports, exports from or loads, as a path under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.[^'"]+)['"]/g)].map((match) =>
    relative(src, resolve(dirname(file), (match[1] as string).replace(/\.js$/, '.ts'))),
  );
}

function layerOf(layers: Layer[], path: string): Layer | undefined {
  return layers.find((layer) =>
    layer.paths.some((covered) => path === covered || path.startsWith(`${covered}/`)),
  );
}

describe('the layer table in docs/architecture.md', () => {
  const layers = layerTable();

  it('is found, with a rule for each layer', () => {
    expect(layers.map((layer) => layer.name)).toEqual(
      expect.arrayContaining([
        'domain',
        'state',
        'projections',
        'follow',
        'store',
        'security',
        'registry.ts',
        'index.ts',
        'cli',
      ]),
    );
  });

  it('covers every file in src/', () => {
    const uncovered = sourceFiles(src)
      .map((file) => relative(src, file))
      .filter((path) => layerOf(layers, path) === undefined);
    expect(uncovered).toEqual([]);
  });

  it('allows every import in src/', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(src)) {
      const from = relative(src, file);
      const layer = layerOf(layers, from);
      if (!layer || layer.mayImport === null) continue;
      for (const target of importsOf(file)) {
        const to = layerOf(layers, target);
        if (to === layer) continue;
        const allowed = layer.mayImport.some((entry) => entry === target || entry === to?.name);
        if (!allowed) violations.push(`${from} imports ${target} (${to?.name ?? 'outside src'})`);
      }
    }
    expect(violations).toEqual([]);
  });
});
