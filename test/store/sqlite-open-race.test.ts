/**
 * Two processes that create the same SQLite file at the same moment both
 * open it: switching a new file to WAL takes a lock SQLite does not wait for
 * by itself, so the store waits for it within its busy timeout.
 */
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('datasource-registry-open-race-');
const ROUNDS = 20;

function opener(directory: string, firstAt: number) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/fixtures/sqlite-open-together.ts',
      directory,
      `${ROUNDS}`,
      `${firstAt}`,
      '100',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise<{ code: number | null; rounds: { ok: boolean; error?: string }[] }>(
    (resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({
          code,
          rounds: output
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line)),
        }),
      );
    },
  );
}

it('opens a new file that another process creates at the same instant, round after round', async () => {
  const directory = tempDir();
  // Far enough ahead for both processes to have loaded before the first round.
  const firstAt = Date.now() + 4_000;
  const results = await Promise.all([opener(directory, firstAt), opener(directory, firstAt)]);
  for (const { code, rounds } of results) {
    expect(rounds.filter((round) => !round.ok)).toEqual([]);
    expect(rounds).toHaveLength(ROUNDS);
    expect(code).toBe(0);
  }
}, 30_000);
