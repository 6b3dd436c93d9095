/**
 * docs/tenants.md shows an example and what it prints: the example runs as
 * written and prints exactly that.
 */
import { expect, it } from 'vitest';
import { docBlock, readDoc, runExample } from '../support/doc-examples.js';

const doc = readDoc('tenants.md');

it('runs the example of docs/tenants.md and prints what the guide says it prints', async () => {
  expect(await runExample(docBlock(doc, 'ts'))).toBe(docBlock(doc, 'text'));
});
