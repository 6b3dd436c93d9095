import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../support/temp-dir.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const demo = join(root, 'src/cli/demo.ts');
// By path: `--import tsx` would be looked up from the working directory, a temporary one here.
const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const tempDir = useTempDir('demo-');

/** What `npm start` prints when run in `cwd`. */
async function runDemo(cwd: string): Promise<string> {
  const env = { ...process.env };
  delete env.DATASOURCE_REGISTRY_KEY;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', tsx, demo], {
    cwd,
    env,
  });
  return stdout;
}

// The secrets the demo's first run registers.
const DEMO_SECRETS = ['s3cr3t!', 'vk-123', 'svc:tok3n', 'tok3n'];

describe('npm start', () => {
  it('tells the story on its first run and replays it from disk on the next', async () => {
    const cwd = tempDir();

    const first = await runDemo(cwd);
    const second = await runDemo(cwd);

    expect(first).toMatch(/Registering sources/);
    const written = Number(/(\d+) events replayed; same state: true/.exec(first)?.[1]);
    expect(written).toBeGreaterThan(0);
    expect(second).toContain(`Replayed ${written} events from .data/demo.sqlite`);
    expect(second).toMatch(/acme\/Orders DB: active, 1 connections/);
    expect(second).not.toMatch(/Registering sources/);
    expect(second).toMatch(/events replayed; same state: true/);
  });

  it('keeps its key in a file only its owner may read or write', async () => {
    const cwd = tempDir();

    await runDemo(cwd);

    expect(statSync(join(cwd, '.data', 'demo.key')).mode & 0o777).toBe(0o600);
  });

  it('writes none of its secrets to its SQLite files in plaintext', async () => {
    const cwd = tempDir();

    await runDemo(cwd);
    await runDemo(cwd);

    const folder = join(cwd, '.data');
    const files = readdirSync(folder).filter((name) => name.startsWith('demo.sqlite'));
    expect(files).toContain('demo.sqlite');
    const bytes = files.map((name) => readFileSync(join(folder, name)).toString('latin1')).join('');
    expect(bytes).toContain('Orders DB');
    for (const secret of DEMO_SECRETS) expect(bytes).not.toContain(secret);
  });
});
