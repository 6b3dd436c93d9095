/**
 * Type-checking the TypeScript examples of the docs as a user's project
 * would: `strict`, `exactOptionalPropertyTypes` and
 * `noUncheckedIndexedAccess`, with 'datasource-registry' resolved to this
 * checkout. Each ```ts block is a module of its own; one that imports
 * nothing continues the nearest block above it that does, and gets its
 * imports. What else a block assumes it says in an HTML comment right above
 * it, which readers do not see:
 *
 *     <!-- context
 *     declare const registry: DataSourceRegistry;
 *     -->
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));

const ENTRIES: Record<string, string> = {
  'datasource-registry': 'src/index.ts',
  'datasource-registry/sqlite': 'src/store/sqlite/index.ts',
  'datasource-registry/postgres': 'src/store/postgres/index.ts',
  'datasource-registry/schemas': 'src/domain/json-schemas.ts',
};

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  noEmit: true,
  baseUrl: root,
  paths: Object.fromEntries(Object.entries(ENTRIES).map(([name, path]) => [name, [path]])),
};

interface Example {
  /** Where the module is made up, under the root so imports resolve from there. */
  file: string;
  page: string;
  /** The page's line of the block's first line of code. */
  firstLine: number;
  /** Lines of context put before the code. */
  contextLines: number;
  text: string;
}

const BLOCK = /(?:<!-- context\n([\s\S]*?)-->\n[ \t]*)?```ts[^\n]*\n([\s\S]*?)```/g;
const IMPORT = /^import [^;]*? from '[^']+';$/gm;

function examplesOf(page: string): Example[] {
  const markdown = readFileSync(join(root, page), 'utf8');
  let imports: string[] = [];
  return [...markdown.matchAll(BLOCK)].map((match, i) => {
    const code = match[2] ?? '';
    const own = code.match(IMPORT);
    const prefix = [...(own === null ? imports : []), match[1] ?? ''].join('\n');
    if (own !== null) imports = own;
    const codeStart = (match.index ?? 0) + match[0].indexOf('```ts');
    return {
      file: join(root, `.doc-example-${page.replace(/\W/g, '_')}-${i + 1}.mts`),
      page,
      firstLine: markdown.slice(0, codeStart).split('\n').length + 1,
      contextLines: prefix.split('\n').length,
      text: `${prefix}\n${code}\nexport {};\n`,
    };
  });
}

/** Every compile error of the pages' examples, as `page:line: message`; empty when they all compile. */
export function compileErrors(pages: readonly string[]): string[] {
  const examples = pages.flatMap(examplesOf);
  const byFile = new Map(examples.map((example) => [example.file, example]));
  const host = ts.createCompilerHost(OPTIONS);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (file) => byFile.has(file) || fileExists(file);
  host.readFile = (file) => byFile.get(file)?.text ?? readFile(file);
  host.getSourceFile = (file, language, ...rest) => {
    const example = byFile.get(file);
    return example
      ? ts.createSourceFile(file, example.text, language, true)
      : getSourceFile(file, language, ...rest);
  };
  const program = ts.createProgram([...byFile.keys()], OPTIONS, host);
  return examples.flatMap((example) => {
    const source = program.getSourceFile(example.file);
    if (source === undefined) return [`${example.page}: the example could not be read`];
    return [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ].map((diagnostic) => {
      const line = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line;
      const where =
        line < example.contextLines
          ? 'its context'
          : String(example.firstLine + line - example.contextLines);
      return `${example.page}:${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
    });
  });
}
