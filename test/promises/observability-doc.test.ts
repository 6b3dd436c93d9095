/**
 * docs/observability.md shows an example and what it prints: the example runs as
 * written and prints exactly that.
 */
import { expect, it } from 'vitest';
import { docBlock, readDoc, runExample } from '../support/doc-examples.js';

const doc = readDoc('observability.md');

it('runs the metrics example of docs/observability.md and prints what the guide says it prints', async () => {
  expect(await runExample(docBlock(doc, 'ts'))).toBe(docBlock(doc, 'text'));
});
