/**
 * docs/limits.md lists every input limit with the key of the exported
 * `LIMITS` constant: the table and the constant must say the same thing.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DataSourceRegistry, ErrorCode, LIMITS } from '../../src/index.js';
import { failsWith } from '../support/registry-fixtures.js';

const doc = readFileSync(new URL('../../docs/limits.md', import.meta.url), 'utf8');

/** `| what | 4,096 bytes | \`descriptionBytes\` |` → ['descriptionBytes', 4096]. */
function documentedLimits(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of doc.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const key = /^`(\w+)`$/.exec(cells[3] ?? '')?.[1];
    const figure = /^([\d,]+)( KiB)?/.exec(cells[2] ?? '');
    if (key === undefined || figure === null) continue;
    const n = Number(figure[1]?.replaceAll(',', ''));
    rows.set(key, figure[2] === undefined ? n : n * 1024);
  }
  return rows;
}

it('documents every limit the package exports, with the same number', () => {
  expect(Object.fromEntries(documentedLimits())).toEqual({ ...LIMITS });
});

it('refuses a name one byte over the documented limit, and takes one at it', async () => {
  const registry = new DataSourceRegistry();
  const at = 'n'.repeat(LIMITS.nameBytes);
  await registry.register({ tenantId: 't', name: at, sourceType: 'api' });
  await failsWith(
    () => registry.register({ tenantId: 't', name: `${at}x`, sourceType: 'api' }),
    ErrorCode.INVALID_INPUT,
  );
});

it('refuses a history read of an id it could never have stored', async () => {
  const registry = new DataSourceRegistry();
  await failsWith(() => registry.history('x\ud800'), ErrorCode.INVALID_INPUT);
});

it('names no source in the error when the id given is not a string', async () => {
  const registry = new DataSourceRegistry();
  const error = await failsWith(
    () => registry.update(42 as unknown as string, { name: 'x' }),
    ErrorCode.INVALID_INPUT,
  );
  expect(error.sourceId).toBeNull();
});
