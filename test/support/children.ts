import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { StoreSpec } from '../fixtures/store-spec.js';

/** The key parent and children share, so each can read the secrets the other wrote. */
export const SHARED_KEY = randomBytes(32);

/**
 * How long a test waits for a child's first line. A child compiles its
 * fixture with tsx before it runs: well under a second on an idle machine,
 * tens of seconds on one busy with other test files.
 */
export const CHILD_START_MS = 45_000;

/** A fixture running in a process of its own, its stdout read as JSON lines. */
export interface Child {
  readonly process: ChildProcess;
  /** Every line printed so far, parsed. */
  readonly lines: unknown[];
  /** Resolves with the exit code once the process has ended (a signal gives null). */
  readonly exited: Promise<number | null>;
}

/** Starts `test/fixtures/<name>.ts` on the store the spec names, with more arguments after it. */
export function startChild(name: string, spec: StoreSpec, ...args: string[]): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', `test/fixtures/${name}.ts`, JSON.stringify(spec), ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, DATASOURCE_REGISTRY_KEY: SHARED_KEY.toString('base64') },
    },
  );
  const lines: unknown[] = [];
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const line of complete) if (line.trim() !== '') lines.push(JSON.parse(line));
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    // 'close', not 'exit': every line printed has been read by then.
    child.on('close', (code) => resolve(code));
  });
  return { process: child, lines, exited };
}

/** Runs a fixture to its end; rejects unless it exits with 0. Resolves with its lines. */
export async function runChild(name: string, spec: StoreSpec, ...args: string[]) {
  const child = startChild(name, spec, ...args);
  const code = await child.exited;
  if (code !== 0) throw new Error(`fixture ${name} exited with ${code}`);
  return child.lines;
}
