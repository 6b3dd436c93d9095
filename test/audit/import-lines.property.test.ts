import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryEventStore, DataSourceError, exportLog, importLog } from '../../src/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { storableJson } from '../support/arbitraries.js';
import { propertyRuns } from '../support/property-runs.js';
import { useTempDir } from '../support/temp-dir.js';
import { KEY, seededSqliteLog } from './logs.js';

const tempDir = useTempDir('audit-lines-');

describe('an import of a backup with one line no export could hold', () => {
  let lines: string[] = [];
  let keys = '';
  beforeAll(async () => {
    const dir = tempDir();
    const filename = await seededSqliteLog(dir);
    const store = createSqliteEventStore({ filename });
    const backup = join(dir, 'backup.ndjson');
    keys = join(dir, 'keys.ndjson');
    await exportLog({ store, output: backup, keysOutput: keys, mode: 'backup' });
    await store.close();
    lines = readFileSync(backup, 'utf8').trimEnd().split('\n');
  });

  it('fails on that line, naming it, and writes nothing', async () => {
    const dir = tempDir();
    const fields = [
      'eventId',
      'type',
      'schemaVersion',
      'sourceId',
      'tenantId',
      'streamVersion',
      'position',
      'occurredAt',
      'data',
      'metadata',
    ];
    // What no export line can be: text that is no JSON object, a JSON value that is no
    // object, an event missing an envelope field, an event with a field the envelope lacks.
    const replacement = fc.oneof(
      fc
        .string()
        .filter((text) => !text.trimStart().startsWith('{'))
        .map((text) => () => text.replaceAll('\n', ' ')),
      storableJson(3)
        .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
        .map((value) => () => JSON.stringify(value)),
      fc.constantFrom(...fields).map((field) => (event: Record<string, unknown>) => {
        const { [field]: _dropped, ...rest } = event;
        return JSON.stringify(rest);
      }),
      fc
        .tuple(
          fc.string({ minLength: 1 }).filter((key) => !fields.includes(key) && key !== '__proto__'),
          storableJson(2),
        )
        .map(
          ([key, value]) =>
            (event: Record<string, unknown>) =>
              JSON.stringify({ ...event, [key]: value }),
        ),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(), replacement, async (at, replace) => {
        const index = at % lines.length;
        const text = replace(JSON.parse(lines[index] as string) as Record<string, unknown>);
        const input = join(dir, 'changed.ndjson');
        writeFileSync(input, `${lines.map((line, i) => (i === index ? text : line)).join('\n')}\n`);
        const store = createMemoryEventStore();

        const failure = await importLog({ store, input, keysInput: keys, encryptionKey: KEY }).then(
          () => null,
          (error: unknown) => error,
        );

        expect(failure).toBeInstanceOf(DataSourceError);
        expect((failure as DataSourceError).details).toMatchObject({ line: index + 1 });
        expect(await store.head()).toBe(0);
      }),
      { numRuns: propertyRuns(60) },
    );
  });
});
