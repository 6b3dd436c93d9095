/**
 * The example in docs/snapshots.md runs as written, against this package, on
 * a SQLite file, and prints what its `// →` comments say.
 */
import { expect, it } from 'vitest';
import { docBlock, promisedLines, readDoc, runExample } from '../support/doc-examples.js';

const example = docBlock(readDoc('snapshots.md'), 'ts');

it('runs the example of docs/snapshots.md and prints what it says', async () => {
  const promised = promisedLines(example);
  expect(promised.length).toBeGreaterThan(0);
  expect((await runExample(example)).trim().split('\n')).toEqual(promised);
});
