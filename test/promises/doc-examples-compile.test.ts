import { readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { compileErrors } from '../support/compile-examples.js';

const pages = [
  'README.md',
  ...readdirSync(new URL('../../docs', import.meta.url))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

it('compiles every TypeScript example of the README and the docs as a strict project would', () => {
  expect(compileErrors(pages)).toEqual([]);
}, 60_000);
