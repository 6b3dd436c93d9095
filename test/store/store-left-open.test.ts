import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWithPostgres, testSchemas } from '../support/postgres.js';
import { useTempDir } from '../support/temp-dir.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = fileURLToPath(new URL('../fixtures/store-left-open.ts', import.meta.url));
/** How long a script may take to exit once its work is done: generous, but far below pg's idle timeouts. */
const EXIT_WITHIN_MS = 5_000;

interface Ending {
  heard: boolean;
  code: number | null;
  /** Whether it exited by itself, or was killed for outliving its work by EXIT_WITHIN_MS. */
  exitedByItself: boolean;
  stderr: string;
}

/** Runs the script that forgets close(); kills it if it is still alive EXIT_WITHIN_MS after its work. */
function runLeftOpen(args: string[]): Promise<Ending> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let heard = false;
    let stderr = '';
    let killer: NodeJS.Timeout | undefined;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line !== 'heard') return;
      heard = true;
      killer = setTimeout(() => child.kill('SIGKILL'), EXIT_WITHIN_MS);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ heard, code, exitedByItself: signal === null, stderr });
    });
  });
}

describe('A script that never closes its SQLite store', () => {
  const tempDir = useTempDir('left-open-');

  it('exits by itself once its work is done, though it subscribed', async () => {
    const ending = await runLeftOpen(['sqlite', join(tempDir(), 'events.db')]);
    expect(ending).toMatchObject({ heard: true, exitedByItself: true, code: 0 });
  });
});

describeWithPostgres('A script that never closes its PostgreSQL store', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  it('exits by itself once its work is done, though it subscribed', async () => {
    const ending = await runLeftOpen(['postgres', url, schemas.next('dsreg_left_open')]);
    expect(ending).toMatchObject({ heard: true, exitedByItself: true, code: 0 });
  });
});
