import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { verifyLog } from '../../src/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { HASH_CHAIN_VERSION } from '../../src/store/sqlite/schema.js';
import { useTempDir } from '../support/temp-dir.js';
import { streamAppend } from './conformance-fixtures.js';

const tempDir = useTempDir('sqlite-chain-upgrade-');

it('chains the events a SQLite log held before it had a hash column, on opening', async () => {
  const filename = join(tempDir(), 'old.db');
  const store = createSqliteEventStore({ filename });
  for (let i = 0; i < 5; i++) await store.append(streamAppend(`s${i}`, 0, 3));
  await store.close();
  // As a release before the chain left it.
  const db = new Database(filename);
  db.exec(`ALTER TABLE events DROP COLUMN hash;
    DELETE FROM schema_migrations WHERE version = ${HASH_CHAIN_VERSION}`);
  db.close();

  const upgraded = createSqliteEventStore({ filename });
  const result = await verifyLog({ store: upgraded });
  await upgraded.append(streamAppend('s9', 0, 1));
  const after = await verifyLog({ store: upgraded });
  await upgraded.close();

  expect(result).toMatchObject({ ok: true, checked: 15, position: 15, unsealed: 0 });
  expect(after).toMatchObject({ ok: true, checked: 16 });
});
