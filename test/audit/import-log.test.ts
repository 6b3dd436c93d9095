import { randomBytes } from 'node:crypto';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  createMemoryEventStore,
  DataSourceRegistry,
  ErrorCode,
  exportLog,
  importLog,
} from '../../src/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { failsWith } from '../support/registry-fixtures.js';
import { useTempDir } from '../support/temp-dir.js';
import { seededSqliteLog, viewOfStore } from './logs.js';

const tempDir = useTempDir('audit-import-');

/** The seeded log's backup, as its lines, and a place to write a changed copy. */
async function backupLines() {
  const dir = tempDir();
  const filename = await seededSqliteLog(dir);
  const backup = join(dir, 'backup.ndjson');
  const store = createSqliteEventStore({ filename });
  await exportLog({ store, output: backup, mode: 'backup' });
  await store.close();
  const lines = readFileSync(backup, 'utf8').trimEnd().split('\n');
  return {
    dir,
    backup,
    lines,
    /** A file holding `changed` as the lines of an export. */
    write(changed: string[]): string {
      const path = join(dir, 'changed.ndjson');
      writeFileSync(path, `${changed.join('\n')}\n`);
      return path;
    },
  };
}

/** Line `n` (from 1) of the lines, as an object to change. */
const eventAt = (lines: string[], n: number) => JSON.parse(lines[n - 1] as string);

/** The lines with line `n` replaced by what `change` makes of its event. */
function changeLine(
  lines: string[],
  n: number,
  change: (event: Record<string, unknown>) => unknown,
) {
  const copy = [...lines];
  copy[n - 1] = JSON.stringify(change(eventAt(lines, n)));
  return copy;
}

/** Imports into a new SQLite file, expecting `code`; checks nothing was written. */
async function importFails(dir: string, input: string, code: ErrorCode) {
  const filename = join(dir, `target-${randomBytes(4).toString('hex')}.sqlite`);
  const store = createSqliteEventStore({ filename });
  const error = await failsWith(() => importLog({ store, input }), code);
  expect(await store.head()).toBe(0);
  await store.close();
  return error;
}

describe('importing a log', () => {
  it('reads the input from a readable stream as from a file', async () => {
    const { dir, backup } = await backupLines();
    const store = createSqliteEventStore({ filename: join(dir, 'target.sqlite') });

    const result = await importLog({ store, input: createReadStream(backup) });

    expect(result.events).toBeGreaterThan(20);
    expect(await store.head()).toBe(result.events);
    await store.close();
  });

  it('refuses a store that is not empty with FORBIDDEN and writes nothing', async () => {
    const { backup } = await backupLines();
    const store = createMemoryEventStore();
    const registry = new DataSourceRegistry({ store });
    await registry.register({ tenantId: 'acme', name: 'already here', sourceType: 'api' });

    const error = await failsWith(() => importLog({ store, input: backup }), ErrorCode.FORBIDDEN);

    expect(error.message).toMatch(/not empty/);
    expect(await store.head()).toBe(1);
  });

  it('refuses a line that is not JSON with CORRUPT_LOG naming it, and writes nothing', async () => {
    const { dir, lines, write } = await backupLines();
    const changed = [...lines];
    changed[4] = '{"position": 5, "eventId":';

    const error = await importFails(dir, write(changed), ErrorCode.CORRUPT_LOG);

    expect(error.message).toMatch(/^Line 5: not valid JSON/);
    expect(error.details).toMatchObject({ line: 5 });
  });

  it('refuses a line that is JSON but no object, naming it', async () => {
    const { dir, lines, write } = await backupLines();

    const error = await importFails(dir, write([...lines, '[1, 2]']), ErrorCode.CORRUPT_LOG);

    expect(error.details).toMatchObject({ line: lines.length + 1 });
  });

  it('refuses an event that fails its schema, naming the line and the field', async () => {
    const { dir, lines, write } = await backupLines();
    const changed = changeLine(lines, 1, (event) => ({
      ...event,
      data: { ...(event.data as object), name: '' },
    }));

    const error = await importFails(dir, write(changed), ErrorCode.CORRUPT_LOG);

    expect(error.message).toMatch(/^Line 1: .*data\.name/);
  });

  it('refuses an envelope with a key it does not have, naming the line', async () => {
    const { dir, lines, write } = await backupLines();
    const changed = changeLine(lines, 3, (event) => ({ ...event, chain: 'abc' }));

    const error = await importFails(dir, write(changed), ErrorCode.CORRUPT_LOG);

    expect(error.details).toMatchObject({ line: 3 });
  });

  it('refuses an event newer than the code, naming the line', async () => {
    const { dir, lines, write } = await backupLines();
    const changed = changeLine(lines, 2, (event) => ({ ...event, schemaVersion: 99 }));

    const error = await importFails(dir, write(changed), ErrorCode.CORRUPT_LOG);

    expect(error.message).toMatch(/^Line 2: .*schema version 99 is newer/);
  });

  it('refuses positions that do not strictly increase, naming the line', async () => {
    const { dir, lines, write } = await backupLines();
    const changed = changeLine(lines, 4, (event) => ({ ...event, position: 3 }));

    const error = await importFails(dir, write(changed), ErrorCode.CORRUPT_LOG);

    expect(error.message).toBe('Line 4: position 3 does not follow position 3');
  });

  it('refuses a stream version skipped, naming the line', async () => {
    const { dir, lines, write } = await backupLines();
    const skipped = lines.findIndex((line) => eventAt([line], 1).streamVersion === 2);
    const changed = [...lines.slice(0, skipped), ...lines.slice(skipped + 1)];

    const error = await importFails(dir, write(changed), ErrorCode.CORRUPT_LOG);

    expect(error.message).toMatch(
      new RegExp(`^Line ${skipped + 1}: stream .* goes from version 1 to 3`),
    );
  });

  it('refuses a registration of a name a live source of the tenant holds', async () => {
    const { dir, lines, write } = await backupLines();
    const first = eventAt(lines, 1);
    const twin = {
      ...first,
      eventId: 'twin',
      sourceId: 'twin',
      position: eventAt(lines, lines.length).position + 1,
    };

    const error = await importFails(
      dir,
      write([...lines.slice(0, 1), JSON.stringify(twin)]),
      ErrorCode.CORRUPT_LOG,
    );

    expect(error.message).toMatch(/^Line 2: tenant acme already has a live source named "Orders"/);
  });

  it('refuses an audit export with FORBIDDEN: its secrets are gone', async () => {
    const dir = tempDir();
    const filename = await seededSqliteLog(dir);
    const audit = join(dir, 'audit.ndjson');
    const source = createSqliteEventStore({ filename });
    await exportLog({ store: source, output: audit, mode: 'audit' });
    await source.close();

    const error = await importFails(dir, audit, ErrorCode.FORBIDDEN);

    expect(error.message).toMatch(/^Line 1: config\.password is "\*\*\*": this is an audit export/);
  });

  it('refuses a secret in plaintext with CORRUPT_LOG', async () => {
    const { dir, lines, write } = await backupLines();
    const changed = changeLine(lines, 1, (event) => {
      const data = event.data as { config: Record<string, unknown> };
      return { ...event, data: { ...data, config: { ...data.config, password: 'in the clear' } } };
    });

    const error = await importFails(dir, write(changed), ErrorCode.CORRUPT_LOG);

    expect(error.message).toMatch(/^Line 1: config\.password is in plaintext/);
  });

  it('refuses a backup sealed under another key with SECRET_UNAVAILABLE, and writes nothing', async () => {
    const { dir, backup } = await backupLines();
    const store = createSqliteEventStore({ filename: join(dir, 'target.sqlite') });

    const error = await failsWith(
      () => importLog({ store, input: backup, encryptionKey: randomBytes(32) }),
      ErrorCode.SECRET_UNAVAILABLE,
    );

    expect(error.details).toMatchObject({ line: 1 });
    expect(await store.head()).toBe(0);
    await store.close();
  });

  it('refuses sealed secrets into a memory store without a key, which could not open them', async () => {
    const { backup } = await backupLines();
    const store = createMemoryEventStore();

    await failsWith(() => importLog({ store, input: backup }), ErrorCode.SECRET_UNAVAILABLE);

    expect(await store.head()).toBe(0);
  });

  it('refuses options that are not as typed with INVALID_INPUT', async () => {
    const store = createMemoryEventStore();

    await failsWith(
      () => importLog({ store, input: 42 as unknown as string }),
      ErrorCode.INVALID_INPUT,
    );
  });

  it('imports an empty input as an empty log', async () => {
    const dir = tempDir();
    const empty = join(dir, 'empty.ndjson');
    writeFileSync(empty, '');
    const store = createMemoryEventStore();

    const result = await importLog({ store, input: empty });

    expect(result.events).toBe(0);
    expect(await viewOfStore(store)).toContain('"sources":[]');
  });

  it('takes the name claims of the live sources, as the registry would have left them', async () => {
    const { dir, backup } = await backupLines();
    const filename = join(dir, 'target.sqlite');
    await importLog({ store: createSqliteEventStore({ filename }), input: backup });
    const writer = createSqliteEventStore({ filename });
    const { position: _position, ...registration } = eventAt(
      readFileSync(backup, 'utf8').split('\n'),
      1,
    );

    const error = await failsWith(
      () =>
        writer.append({
          events: [{ ...registration, eventId: 'x', sourceId: 'x' }],
          expectedVersions: { x: 0 },
          claims: [{ scope: 'name:acme', key: 'warehouse', owner: 'x' }],
        }),
      ErrorCode.CONCURRENCY_CONFLICT,
    );

    expect(error.details).toMatchObject({ reason: 'claim' });
    await writer.close();
  });

  it('refuses an event on a deleted source, naming the line', async () => {
    const { dir, lines, write } = await backupLines();
    const deleted = lines.findIndex((line) => eventAt([line], 1).type === 'DataSourceDeleted');
    const gone = eventAt(lines, deleted + 1);
    const after = {
      ...gone,
      eventId: 'after-delete',
      type: 'TagAdded',
      streamVersion: gone.streamVersion + 1,
      position: eventAt(lines, lines.length).position + 1,
      data: { tag: 'late' },
    };

    const error = await importFails(
      dir,
      write([...lines, JSON.stringify(after)]),
      ErrorCode.CORRUPT_LOG,
    );

    expect(error.message).toMatch(
      new RegExp(`^Line ${lines.length + 1}: TagAdded on stream .* no live source`),
    );
  });

  it('imports a TenantPurged, which no registration precedes, and reads it back', async () => {
    const { dir, backup } = await backupLines();
    const store = createSqliteEventStore({ filename: join(dir, 'restored.sqlite') });
    await importLog({ store, input: backup });
    // An auditor's registry, without the key: the purge record needs none.
    const registry = await DataSourceRegistry.open({ store, readOnly: true });

    const history = await registry.history('$tenant:initech');

    expect(history.map((event) => [event.type, event.metadata.actor])).toEqual([
      ['TenantPurged', 'auditor@acme'],
    ]);
    await registry.close();
  });

  it('refuses a TenantPurged on a stream other than its tenant’s, naming the line', async () => {
    const { dir, lines, write } = await backupLines();
    const purge = lines.findIndex((line) => eventAt([line], 1).type === 'TenantPurged');
    const changed = changeLine(lines, purge + 1, (event) => ({ ...event, tenantId: 'acme' }));

    const error = await importFails(dir, write(changed), ErrorCode.CORRUPT_LOG);

    expect(error.message).toBe(
      `Line ${purge + 1}: TenantPurged on stream $tenant:initech, not $tenant:acme`,
    );
  });

  it('refuses a source event after a TenantPurged on the tenant stream, naming the line', async () => {
    const { dir, lines, write } = await backupLines();
    const purge = eventAt(lines, lines.length);
    const after = {
      ...purge,
      eventId: 'after-purge',
      type: 'TagAdded',
      streamVersion: purge.streamVersion + 1,
      position: purge.position + 1,
      data: { tag: 'late' },
    };

    const error = await importFails(
      dir,
      write([...lines, JSON.stringify(after)]),
      ErrorCode.CORRUPT_LOG,
    );

    expect(error.message).toBe(
      `Line ${lines.length + 1}: TagAdded on stream $tenant:initech, which has no live source`,
    );
  });

  it('refuses a stream that changes tenant, naming the line', async () => {
    const { dir, lines, write } = await backupLines();
    const second = lines.findIndex((line) => eventAt([line], 1).streamVersion === 2);
    const changed = changeLine(lines, second + 1, (event) => ({ ...event, tenantId: 'other' }));

    const error = await importFails(dir, write(changed), ErrorCode.CORRUPT_LOG);

    expect(error.message).toMatch(/belongs to tenant acme, not other/);
  });

  it('says how many events it wrote when the store fails while writing', async () => {
    const { dir, backup, lines } = await backupLines();
    const filename = join(dir, 'target.sqlite');
    const store = createSqliteEventStore({ filename, busyTimeoutMs: 0 });
    await store.head();
    const locker = new Database(filename);

    const error = await failsWith(
      () =>
        importLog({
          store,
          input: backup,
          // Once every line is checked, another connection takes the write lock.
          onProgress: (p) => {
            if (p.phase === 'checking') locker.exec('BEGIN IMMEDIATE');
          },
        }),
      ErrorCode.STORE_ERROR,
    );

    expect(error.message).toMatch(
      new RegExp(`^Import stopped after writing 0 of ${lines.length} events`),
    );
    expect(error.details).toEqual({ written: 0, total: lines.length });
    locker.exec('ROLLBACK');
    locker.close();
    await store.close();
  });
});
