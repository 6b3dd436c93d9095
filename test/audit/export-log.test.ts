import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  createMemoryEventStore,
  DataSourceRegistry,
  ErrorCode,
  type ExportProgress,
  exportLog,
} from '../../src/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { eventConfig, registrationWith } from '../support/plain.js';
import { failsWith } from '../support/registry-fixtures.js';
import { useTempDir } from '../support/temp-dir.js';
import { seed, seededSqliteLog } from './logs.js';

const tempDir = useTempDir('audit-export-');

/** A memory store holding `count` sources, registered one per event. */
async function memoryLog(count: number) {
  const store = createMemoryEventStore();
  const registry = new DataSourceRegistry({ store });
  for (let i = 0; i < count; i++) {
    await registry.register({ tenantId: 'acme', name: `source ${i}`, sourceType: 'api' });
  }
  return store;
}

/**
 * A destination that takes one chunk, then holds the next until the test
 * lets it go: what a slow disk or socket looks like to a writer.
 */
function slowSink() {
  const chunks: string[] = [];
  let release: (() => void) | null = null;
  const stream = new Writable({
    highWaterMark: 16,
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      release = done;
    },
  });
  return {
    stream,
    chunks,
    /** Lets the chunk held go; true when one was held. */
    next(): boolean {
      const held = release;
      release = null;
      held?.();
      return held !== null;
    },
  };
}

describe('exporting a log', () => {
  it('writes one event per line, in position order, each as stored', async () => {
    const dir = tempDir();
    const filename = await seededSqliteLog(dir);
    const output = join(dir, 'backup.ndjson');
    const store = createSqliteEventStore({ filename });

    const result = await exportLog({ store, output, mode: 'backup' });

    const stored = await store.readAll();
    await store.close();
    const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(stored.map((event) => ({ ...event })));
    expect(result).toEqual({
      events: stored.length,
      position: stored.at(-1)?.position,
      dataKeys: 0,
    });
  });

  it('reads the store a page at a time and waits for the output between pages', async () => {
    const store = await memoryLog(2500);
    const sink = slowSink();
    const progress: ExportProgress[] = [];
    let done = false;

    const exporting = exportLog({
      store,
      output: sink.stream,
      mode: 'audit',
      onProgress: (p) => progress.push(p),
    }).then(() => {
      done = true;
    });
    // Pages written so far, each seen while the output still held it.
    const pagesWhenHeld: number[] = [];
    while (!done) {
      await new Promise((resolve) => setImmediate(resolve));
      const held = sink.chunks.length;
      if (sink.next()) pagesWhenHeld.push(held - progress.length);
    }
    await exporting;

    expect(pagesWhenHeld).toEqual([1, 1, 1]);
    expect(sink.stream.writableEnded).toBe(false);
    expect(sink.chunks.join('').trimEnd().split('\n')).toHaveLength(2500);
  });

  it('reports its progress after each page, up to the head it began at', async () => {
    const store = await memoryLog(2500);
    const progress: ExportProgress[] = [];
    const dir = tempDir();

    await exportLog({
      store,
      output: join(dir, 'audit.ndjson'),
      mode: 'audit',
      onProgress: (p) => progress.push(p),
    });

    expect(progress).toEqual([
      { events: 1000, position: 1000, head: 2500 },
      { events: 2000, position: 2000, head: 2500 },
      { events: 2500, position: 2500, head: 2500 },
    ]);
  });

  it('shows every secret of a memory store as "***" in an audit export', async () => {
    const store = createMemoryEventStore();
    await seed(new DataSourceRegistry({ store }));
    const output = join(tempDir(), 'audit.ndjson');

    await exportLog({ store, output, mode: 'audit' });

    const text = readFileSync(output, 'utf8');
    expect(text).not.toMatch(/plaintext/);
    expect(text).toContain('"apiKey":"***"');
  });

  it('refuses a backup of a memory store with FORBIDDEN and writes no file', async () => {
    const store = await memoryLog(1);
    const output = join(tempDir(), 'backup.ndjson');

    await failsWith(() => exportLog({ store, output, mode: 'backup' }), ErrorCode.FORBIDDEN);

    expect(() => readFileSync(output)).toThrow(/ENOENT/);
  });

  it('refuses a mode it does not know with INVALID_INPUT', async () => {
    const store = await memoryLog(1);

    await failsWith(
      () => exportLog({ store, output: join(tempDir(), 'x'), mode: 'everything' as 'audit' }),
      ErrorCode.INVALID_INPUT,
    );
  });

  it('writes an empty file for an empty log', async () => {
    const output = join(tempDir(), 'empty.ndjson');

    const result = await exportLog({ store: createMemoryEventStore(), output, mode: 'audit' });

    expect(result).toEqual({ events: 0, position: 0, dataKeys: 0 });
    expect(readFileSync(output, 'utf8')).toBe('');
  });

  it('leaves out events appended after it began', async () => {
    const store = await memoryLog(1500);
    const sink = slowSink();
    let done = false;
    const exporting = exportLog({ store, output: sink.stream, mode: 'audit' }).then((result) => {
      done = true;
      return result;
    });
    while (sink.chunks.length === 0) await new Promise((resolve) => setImmediate(resolve));

    await new DataSourceRegistry({ store }).register({
      tenantId: 'acme',
      name: 'late',
      sourceType: 'api',
    });
    while (!done) {
      sink.next();
      await new Promise((resolve) => setImmediate(resolve));
    }

    expect(await exporting).toEqual({ events: 1500, position: 1500, dataKeys: 0 });
    expect(sink.chunks.join('')).not.toContain('"late"');
  });

  it('rejects with the file error, and the process goes on, when its output cannot be created', async () => {
    const output = join(tempDir(), 'no-such-folder', 'audit.ndjson');
    await expect(
      exportLog({ store: await memoryLog(1200), output, mode: 'audit' }),
    ).rejects.toThrow(/ENOENT/);
  });

  it('stops at a secret a durable store holds in plaintext, with CORRUPT_LOG, and removes its file', async () => {
    const dir = tempDir();
    const filename = join(dir, 'log.sqlite');
    const store = createSqliteEventStore({ filename });
    await store.append({
      events: [registrationWith({ ...eventConfig(), password: 'in the clear' })],
      expectedVersions: { s1: 0 },
    });
    const output = join(dir, 'backup.ndjson');

    const error = await failsWith(
      () => exportLog({ store, output, mode: 'backup' }),
      ErrorCode.CORRUPT_LOG,
    );
    await store.close();

    expect(error.details).toMatchObject({ position: 1, paths: ['config.password'] });
    expect(() => readFileSync(output)).toThrow(/ENOENT/);
  });
});
