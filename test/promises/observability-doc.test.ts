/**
 * docs/observability.md shows an example and what it prints: the example runs, in
 * a process of its own against this checkout (as an ES module, for its
 * top-level await), and prints exactly that.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { useTempDir } from '../support/temp-dir.js';

const doc = readFileSync(new URL('../../docs/observability.md', import.meta.url), 'utf8');
const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = new URL('../../src/index.ts', import.meta.url).href;
const tempDir = useTempDir('observability-doc-');

/** The body of the first fenced block of this language. */
function block(language: string): string {
  const found = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(doc)?.[1];
  if (found === undefined) throw new Error(`docs/observability.md has no ${language} block`);
  return found;
}

it('runs the metrics example of docs/observability.md and prints what the guide says it prints', async () => {
  const script = join(tempDir(), 'example.mts');
  writeFileSync(script, block('ts').replaceAll("from 'datasource-registry'", `from '${entry}'`));

  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
  });

  expect(stdout).toBe(block('text'));
});
