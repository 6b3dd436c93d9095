/**
 * The example of "Verifying the log" in docs/audit.md runs as written,
 * against this package, and prints what its `// →` comments say.
 */
import { expect, it } from 'vitest';
import { docBlock, promisedLines, readDoc, runExample } from '../support/doc-examples.js';

const example = docBlock(readDoc('audit.md'), 'ts verify');

it('runs the verifying example of docs/audit.md and prints what it says', async () => {
  const promised = promisedLines(example);
  expect(promised.length).toBeGreaterThan(0);
  expect((await runExample(example)).trim().split('\n')).toEqual(promised);
});
