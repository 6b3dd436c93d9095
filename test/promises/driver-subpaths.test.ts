import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const probe = fileURLToPath(new URL('../fixtures/loaded-drivers.ts', import.meta.url));

/** The drivers a fresh process has loaded after importing this module of the package. */
async function driversLoadedBy(module: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', probe, join(root, module)],
    { cwd: root },
  );
  return JSON.parse(stdout) as string[];
}

describe('the database drivers', () => {
  it('are not loaded by the main entry', async () => {
    expect(await driversLoadedBy('src/index.ts')).toEqual([]);
  });

  it('load one at a time through their own subpath', async () => {
    const [sqlite, postgres] = await Promise.all([
      driversLoadedBy('src/store/sqlite/index.ts'),
      driversLoadedBy('src/store/postgres/index.ts'),
    ]);

    expect(sqlite).toEqual(['better-sqlite3']);
    expect(postgres).toEqual(['pg']);
  });
});
