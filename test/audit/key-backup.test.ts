import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, exportLog, importLog } from '../../src/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { useTempDir } from '../support/temp-dir.js';
import { KEY, seededSqliteLog } from './logs.js';

const tempDir = useTempDir('audit-keys-');

describe('the keys part of a backup', () => {
  it('is written as a private file, one wrapped data key per tenant with secrets', async () => {
    const dir = tempDir();
    const store = createSqliteEventStore({ filename: await seededSqliteLog(dir) });
    const keys = join(dir, 'keys.ndjson');

    const result = await exportLog({
      store,
      output: join(dir, 'events.ndjson'),
      keysOutput: keys,
      mode: 'backup',
    });
    const tenants = (await store.readDataKeys()).map((key) => key.tenantId);
    await store.close();

    expect(result.dataKeys).toBe(tenants.length);
    // The seeded log gives secrets to acme only.
    expect(tenants).toEqual(['acme']);
    expect(readFileSync(keys, 'utf8').trimEnd().split('\n')).toHaveLength(1);
    expect(statSync(keys).mode & 0o777).toBe(0o600);
  });

  it('is refused with an audit export, with INVALID_INPUT and no file written', async () => {
    const dir = tempDir();
    const store = createSqliteEventStore({ filename: await seededSqliteLog(dir) });
    const output = join(dir, 'audit.ndjson');

    const failure = await exportLog({
      store,
      output,
      keysOutput: join(dir, 'keys.ndjson'),
      mode: 'audit',
    }).catch((error: unknown) => error);
    await store.close();

    expect(failure).toMatchObject({ code: ErrorCode.INVALID_INPUT });
    expect(() => statSync(output)).toThrow();
  });

  it('fails an import on a line that is not a data key, naming it, and writes nothing', async () => {
    const dir = tempDir();
    const source = createSqliteEventStore({ filename: await seededSqliteLog(dir) });
    const events = join(dir, 'events.ndjson');
    await exportLog({ store: source, output: events, mode: 'backup' });
    await source.close();
    const keys = join(dir, 'keys.ndjson');
    writeFileSync(
      keys,
      '{"keyId":"00000000000000aa","tenantId":"acme","wrappedKey":"w"}\n{"keyId":""}\n',
    );
    const target = createSqliteEventStore({ filename: join(dir, 'target.sqlite') });

    const failure = await importLog({
      store: target,
      input: events,
      keysInput: keys,
      encryptionKey: KEY,
    }).catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: ErrorCode.CORRUPT_LOG, details: { line: 2 } });
    expect(await target.head()).toBe(0);
    expect(await target.readDataKeys()).toEqual([]);
    await target.close();
  });

  it('is refused by a store that holds data keys already, before anything is written', async () => {
    const dir = tempDir();
    const source = createSqliteEventStore({ filename: await seededSqliteLog(dir) });
    const events = join(dir, 'events.ndjson');
    const keys = join(dir, 'keys.ndjson');
    await exportLog({ store: source, output: events, keysOutput: keys, mode: 'backup' });
    await source.close();
    const target = createSqliteEventStore({ filename: join(dir, 'target.sqlite') });
    await target.createDataKey({ keyId: '00000000000000bb', tenantId: 'acme', wrappedKey: 'w' });

    const failure = await importLog({
      store: target,
      input: events,
      keysInput: keys,
      encryptionKey: KEY,
    }).catch((error: unknown) => error);

    expect(failure).toMatchObject({ code: ErrorCode.FORBIDDEN });
    expect(await target.head()).toBe(0);
    expect(await target.readDataKeys()).toHaveLength(1);
    await target.close();
  });
});
