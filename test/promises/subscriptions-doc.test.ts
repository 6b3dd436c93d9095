/**
 * The example in docs/subscriptions.md runs as written, against this package,
 * and prints what its `// →` comments say.
 */
import { expect, it } from 'vitest';
import { docBlock, promisedLines, readDoc, runExample } from '../support/doc-examples.js';

const example = docBlock(readDoc('subscriptions.md'), 'ts');

it('runs the example of docs/subscriptions.md and prints what it says', async () => {
  const promised = promisedLines(example);
  expect(promised.length).toBeGreaterThan(0);
  expect((await runExample(example)).trim().split('\n')).toEqual(promised);
});
