/**
 * The worked example of docs/security.md (rotating the master key, then
 * purging a tenant, on a SQLite file) runs as written and prints what its
 * `// →` comments say.
 */
import { expect, it } from 'vitest';
import { docBlock, promisedLines, readDoc, runExample } from '../support/doc-examples.js';

const doc = readDoc('security.md');
const example = docBlock(doc.slice(doc.indexOf('## A worked example')), 'ts');
const sqliteEntry = new URL('../../src/store/sqlite/index.ts', import.meta.url).href;

it('runs the worked example of docs/security.md and prints what it says', async () => {
  const promised = promisedLines(example);
  const runnable = example.replaceAll("from 'datasource-registry/sqlite'", `from '${sqliteEntry}'`);

  expect(promised).toEqual(['2', '1', 'hunter2', '<purged>', 'tenant_purged']);
  expect((await runExample(runnable)).trim().split('\n')).toEqual(promised);
});
