/**
 * The example in docs/time-travel.md runs as written, against this package,
 * and prints what its `// →` comments say.
 */
import { expect, it } from 'vitest';
import { docBlock, promisedLines, readDoc, runExample } from '../support/doc-examples.js';

const example = docBlock(readDoc('time-travel.md'), 'ts');

it('runs the example of docs/time-travel.md and prints what it says', async () => {
  const promised = promisedLines(example);
  expect(promised.length).toBeGreaterThan(0);
  expect((await runExample(example)).trim().split('\n')).toEqual(promised);
});
