/**
 * The example in docs/subscriptions.md runs as written, against this package,
 * and prints what its `// →` comments say.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(join(root, 'docs/subscriptions.md'), 'utf8');
const example = /```ts\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';

it('runs the example of docs/subscriptions.md and prints what it says', async () => {
  const promised = [...example.matchAll(/\/\/ → (.*)$/gm)].map((match) => match[1]);
  expect(promised.length).toBeGreaterThan(0);
  const entry = pathToFileURL(join(root, 'src/index.ts')).href;
  const dir = mkdtempSync(join(tmpdir(), 'subscriptions-doc-'));
  try {
    const file = join(dir, 'example.mts');
    writeFileSync(file, example.replace(`from 'datasource-registry'`, `from '${entry}'`));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
    });
    expect(stdout.trim().split('\n')).toEqual(promised);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
