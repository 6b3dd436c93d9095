/**
 * Running the examples of the docs as written: each page's code runs in a
 * process of its own against this checkout (as an ES module, for its
 * top-level await), and the tests compare what it prints with what the
 * page says it prints.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const entry = new URL('../../src/index.ts', import.meta.url).href;
const sqliteEntry = new URL('../../src/store/sqlite/index.ts', import.meta.url).href;

/** The text of `docs/<page>`. */
export function readDoc(page: string): string {
  return readFileSync(join(root, 'docs', page), 'utf8');
}

/** The body of the first fenced block of this language in `doc`. */
export function docBlock(doc: string, language: string): string {
  const found = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(doc)?.[1];
  if (found === undefined) throw new Error(`the page has no ${language} block`);
  return found;
}

/** What the `// → …` comments of an example say it prints, line by line. */
export function promisedLines(example: string): string[] {
  return [...example.matchAll(/\/\/ → (.*)$/gm)].map((match) => match[1] ?? '');
}

/**
 * Runs an example that imports 'datasource-registry' (and its `/sqlite`
 * subpath) against this checkout; resolves with its stdout.
 */
export async function runExample(example: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'doc-example-'));
  try {
    const script = join(dir, 'example.mts');
    const source = example
      .replaceAll("from 'datasource-registry'", `from '${entry}'`)
      .replaceAll("from 'datasource-registry/sqlite'", `from '${sqliteEntry}'`);
    writeFileSync(script, source);
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
    });
    return stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
