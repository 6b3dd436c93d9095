/**
 * docs/decider.md shows an example and what it prints: the example runs as
 * written and prints exactly that.
 */
import { expect, it } from 'vitest';
import { docBlock, readDoc, runExample } from '../support/doc-examples.js';

const doc = readDoc('decider.md');

it('runs the example of docs/decider.md and prints what the page says it prints', async () => {
  expect(await runExample(docBlock(doc, 'ts'))).toBe(docBlock(doc, 'text'));
});
