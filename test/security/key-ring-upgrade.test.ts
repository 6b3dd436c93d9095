import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DataSourceError, DataSourceRegistry, ErrorCode } from '../../src/index.js';
import { encryptionKeyId } from '../../src/security/secret-cipher.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { useTempDir } from '../support/temp-dir.js';

const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);

describe('a SQLite log written before logs kept a key ring', () => {
  const tempDir = useTempDir('key-ring-upgrade-');
  const registries: DataSourceRegistry[] = [];
  afterEach(async () => {
    for (const registry of registries.splice(0)) await registry.close();
  });

  async function open(filename: string, encryptionKey: Uint8Array) {
    const registry = await DataSourceRegistry.open({
      store: createSqliteEventStore({ filename }),
      encryptionKey,
    });
    registries.push(registry);
    return registry;
  }

  /** A log with one secret under KEY, its file taken back to the schema before the key ring. */
  async function oldLog(): Promise<string> {
    const filename = join(tempDir(), 'log.db');
    const writer = await open(filename, KEY);
    await writer.register({
      tenantId: 't1',
      name: 'orders',
      sourceType: 'database',
      config: { password: 'hunter2' },
    });
    await writer.close();
    const db = new Database(filename);
    db.exec('DROP TABLE key_ring; DELETE FROM schema_migrations WHERE version > 1');
    db.close();
    return filename;
  }

  const ringOf = (filename: string) => {
    const store = createSqliteEventStore({ filename });
    return store.pinKeyRing([]).finally(() => store.close());
  };

  it('pins the key of the first instance that can read it', async () => {
    const filename = await oldLog();

    const registry = await open(filename, KEY);

    expect(registry.count()).toBe(1);
    expect(await ringOf(filename)).toEqual([encryptionKeyId(KEY)]);
  });

  it('pins nothing when the first instance to open it has another key', async () => {
    const filename = await oldLog();

    const error = await open(filename, OTHER_KEY).catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(DataSourceError);
    expect((error as DataSourceError).code).toBe(ErrorCode.SECRET_UNAVAILABLE);
    expect(await ringOf(filename)).toEqual([]);
    expect((await open(filename, KEY)).count()).toBe(1);
  });
});
