/**
 * The catalogs are exhaustive: a new event type, command or config field does
 * not compile until every place that must handle it does. Each test compiles
 * the library with one source file changed in memory and reads where the
 * compiler complains.
 */
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), undefined, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
    throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  },
});
if (parsed === undefined) throw new Error('tsconfig.json could not be read');
const options: ts.CompilerOptions = { ...parsed.options, noEmit: true };

/** Textual changes to files under src/: each replaces text that must be there. */
type Patch = { file: string; find: string; replace: string };

/** The files that hold the catalogs and the exhaustive checks on them. */
const CHECKED = [
  'src/domain/commands.ts',
  'src/domain/config.ts',
  'src/domain/decide.ts',
  'src/domain/decider.ts',
  'src/domain/events.ts',
  'src/domain/evolve.ts',
  'src/security/secret-paths.ts',
];

// Files no patch touches are parsed once for all the tests.
const parsedOnce = new Map<string, ts.SourceFile>();

/** Which of the checked files the compiler complains about, with the patches applied. */
function filesWithErrors(patches: readonly Patch[]): string[] {
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language) => {
    const path = relative(root, fileName);
    const own = patches.filter((patch) => patch.file === path);
    if (own.length === 0) {
      const cached = parsedOnce.get(fileName);
      if (cached) return cached;
      const file = getSourceFile(fileName, language);
      if (file) parsedOnce.set(fileName, file);
      return file;
    }
    let text = ts.sys.readFile(fileName) ?? '';
    for (const patch of own) {
      if (!text.includes(patch.find)) throw new Error(`${patch.file} no longer holds the anchor`);
      text = text.replace(patch.find, patch.replace);
    }
    return ts.createSourceFile(fileName, text, language);
  };
  const program = ts.createProgram(
    CHECKED.map((file) => join(root, file)),
    options,
    host,
  );
  return CHECKED.filter((file) => {
    const source = program.getSourceFile(join(root, file));
    if (source === undefined) throw new Error(`${file} is not in the program`);
    return program.getSemanticDiagnostics(source).length > 0;
  });
}

const insertAfter = (file: string, find: string, insert: string): Patch => ({
  file,
  find,
  replace: `${find}${insert}`,
});

describe('the exhaustive catalogs', { timeout: 120_000 }, () => {
  it('compile as they are', () => {
    expect(filesWithErrors([])).toEqual([]);
  });

  it('refuse a new event type until evolve folds it and the secret rules say whether it carries secrets', () => {
    const errors = filesWithErrors([
      insertAfter(
        'src/domain/events.ts',
        "DataSourceDeleted: 'DataSourceDeleted',",
        "\n  DataSourceArchived: 'DataSourceArchived',",
      ),
      insertAfter(
        'src/domain/events.ts',
        "reason: z.enum(['deleted', 'tenant_cleared', 'tenant_purged']),\n  }),",
        '\n  DataSourceArchived: nothing,',
      ),
    ]);
    expect(errors).toContain('src/domain/evolve.ts');
    expect(errors).toContain('src/security/secret-paths.ts');
    expect(errors).not.toContain('src/domain/events.ts');
  });

  it('refuse an event type without a data schema', () => {
    expect(
      filesWithErrors([
        insertAfter(
          'src/domain/events.ts',
          "DataSourceDeleted: 'DataSourceDeleted',",
          "\n  DataSourceArchived: 'DataSourceArchived',",
        ),
      ]),
    ).toContain('src/domain/events.ts');
  });

  it('refuse a new command until decide decides it and the public decider knows its type', () => {
    const errors = filesWithErrors([
      insertAfter(
        'src/domain/commands.ts',
        "  | { type: 'Deprecate' }",
        "\n  | { type: 'Archive' }",
      ),
    ]);
    expect(errors).toContain('src/domain/decide.ts');
    expect(errors).toContain('src/domain/decider.ts');
  });

  it('refuse a new config field until it says whether it is a secret', () => {
    const errors = filesWithErrors([
      insertAfter(
        'src/domain/config.ts',
        'export const dataSourceConfigSchema = z.strictObject({',
        '\n  region: z.string().nullable(),',
      ),
    ]);
    expect(errors).toContain('src/domain/config.ts');
  });

  it('refuse a field marked secret that the lists of secret fields do not name', () => {
    const errors = filesWithErrors([
      {
        file: 'src/domain/config.ts',
        find: "sslCertPath: 'plain'",
        replace: "sslCertPath: 'secret'",
      },
    ]);
    expect(errors).toEqual(['src/domain/config.ts']);
  });
});
