import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import {
  createSqliteEventStore,
  type SqliteEventStoreOptions,
} from '../../src/store/sqlite/index.js';
import { issuePaths } from '../support/input-issues.js';
import { useTempDir } from '../support/temp-dir.js';

/** The error creating a store with these options fails with. */
function refusal(options: unknown): DataSourceError {
  try {
    const store = createSqliteEventStore(options as SqliteEventStoreOptions);
    void store.close();
  } catch (error) {
    expect(error).toBeInstanceOf(DataSourceError);
    return error as DataSourceError;
  }
  return expect.unreachable('expected the options to be refused');
}

describe('SQLite event store options', () => {
  const tempDir = useTempDir('sqlite-options-');

  it.each([
    ['empty', ''],
    ['whitespace only', '  \t'],
    ['not a string', 42],
    ['missing', undefined],
  ])('refuses a filename that is %s, rather than open a temporary file', (_, filename) => {
    const error = refusal({ filename });
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(issuePaths(error)).toEqual(['filename']);
    expect(error.message).toContain(':memory:');
  });

  it('refuses options that are not an object', () => {
    expect(refusal(null).code).toBe(ErrorCode.INVALID_INPUT);
    expect(refusal('events.db').code).toBe(ErrorCode.INVALID_INPUT);
  });

  it.each([
    ['synchronous', 'off'],
    ['synchronous', 'FULL'],
    ['busyTimeoutMs', -1],
    ['busyTimeoutMs', 1.5],
    ['busyTimeoutMs', Number.NaN],
    ['busyTimeoutMs', '5000'],
    ['pollIntervalMs', 0],
    ['pollIntervalMs', Number.POSITIVE_INFINITY],
    ['onError', 'log'],
  ])('refuses %s %s', (option, value) => {
    const error = refusal({ filename: ':memory:', [option]: value });
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(issuePaths(error)).toEqual([option]);
  });

  it('refuses an unknown option, so a misspelt one does not go unnoticed', () => {
    const error = refusal({ filename: ':memory:', synchronus: 'full' });
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
  });

  it('creates no file when it refuses the options', () => {
    const filename = join(tempDir(), 'events.db');
    refusal({ filename, busyTimeoutMs: -1 });
    expect(existsSync(filename)).toBe(false);
  });

  it('sets synchronous FULL on the connection when asked', async () => {
    const store = createSqliteEventStore({
      filename: join(tempDir(), 'events.db'),
      synchronous: 'full',
    });
    expect(store.synchronous).toBe('full');
    await store.close();
  });

  it('sets synchronous NORMAL on the connection by default', async () => {
    const store = createSqliteEventStore({ filename: join(tempDir(), 'events.db') });
    expect(store.synchronous).toBe('normal');
    await store.close();
  });

  it('opens ":memory:" as a store that says it is not durable', async () => {
    const store = createSqliteEventStore({ filename: ':memory:' });
    expect(store.durable).toBe(false);
    await store.close();
  });
});
