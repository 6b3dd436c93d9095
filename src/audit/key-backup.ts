import type { Readable, Writable } from 'node:stream';
import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { openEventSecrets } from '../security/event-secrets.js';
import { createKeyListCipher } from '../security/key-list-cipher.js';
import { createTenantKeys } from '../security/tenant-keys.js';
import {
  createMemoryDataKeys,
  type DataKeyRecord,
  dataKeyRecordSchema,
} from '../store/data-keys.js';
import type { EventStore } from '../store/event-store.js';
import type { SecretOpener } from './check-line.js';
import { asFile, openLineSink, readLines } from './ndjson.js';

/**
 * Writes the store's data keys (wrapped, destroyed ones without their key)
 * as NDJSON, one key per line: the second part of a backup, kept apart from
 * the events so that the events alone never hold what opens a secret.
 *
 * @returns how many keys were written.
 */
export async function exportDataKeys(
  store: EventStore,
  output: string | Writable,
): Promise<number> {
  const keys = (await store.readDataKeys?.()) ?? [];
  const sink = openLineSink(output);
  try {
    const text = keys
      .map(
        (key) =>
          `${JSON.stringify({ keyId: key.keyId, tenantId: key.tenantId, wrappedKey: key.wrappedKey })}\n`,
      )
      .join('');
    if (text !== '') await sink.write(text);
    await sink.close();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  return keys.length;
}

/**
 * Reads a file or stream written by {@link exportDataKeys}.
 *
 * @throws DataSourceError CORRUPT_LOG naming the line (`details.line`) that
 *   is not a data key.
 */
export async function readDataKeyBackup(input: string | Readable): Promise<DataKeyRecord[]> {
  const file = await asFile(input);
  const keys: DataKeyRecord[] = [];
  try {
    for await (const { line, text } of readLines(file.path)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const result = dataKeyRecordSchema.safeParse(parsed);
      if (!result.success) {
        throw new DataSourceError(`Keys line ${line}: not a data key of a key backup`, {
          code: ErrorCode.CORRUPT_LOG,
          details: { line },
        });
      }
      keys.push(result.data);
    }
  } finally {
    await file.dispose();
  }
  return keys;
}

/**
 * Opens an import's secrets with the master key: those sealed under it
 * directly, and those under a tenant's data key from the key backup (a
 * destroyed key's secrets read as purged).
 */
export async function backupOpener(
  key: Uint8Array,
  keys: readonly DataKeyRecord[],
): Promise<SecretOpener> {
  const memory = createMemoryDataKeys();
  for (const record of keys) memory.create(record);
  const tenantKeys = createTenantKeys(
    {
      readDataKeys: async (tenantId) => memory.read(tenantId),
      createDataKey: async (record) => memory.create(record),
      rewrapDataKeys: async (rewrap) => memory.rewrap(rewrap),
      destroyDataKeys: async (tenantId) => memory.destroy(tenantId),
    },
    [key],
  );
  await tenantKeys.load(keys.map((record) => record.keyId));
  const cipher = createKeyListCipher([key]);
  return (event) => openEventSecrets(event, cipher, tenantKeys.openLoaded);
}

/**
 * Refuses to restore keys into a store that holds data keys already: for a
 * tenant with a live key there, the store would keep its own and the
 * backup's secrets would not open.
 *
 * @throws DataSourceError FORBIDDEN; STORE_ERROR when the store fails.
 */
export async function refuseDataKeys(
  store: EventStore,
  keys: readonly DataKeyRecord[],
): Promise<void> {
  if (keys.length === 0) return;
  const held = (await store.readDataKeys?.()) ?? [];
  if (held.length > 0) {
    throw new DataSourceError(
      `The ${store.kind} store already holds ${held.length} data keys: a key backup is restored into a store without any`,
      { code: ErrorCode.FORBIDDEN, details: { dataKeys: held.length } },
    );
  }
}

/**
 * Restores the key backup into the store, before its events: each key as it
 * was (wrapped, or destroyed).
 *
 * @throws DataSourceError FORBIDDEN when the store keeps no data keys, or
 *   holds some already; STORE_ERROR when the store fails.
 */
export async function importDataKeys(
  store: EventStore,
  keys: readonly DataKeyRecord[],
): Promise<void> {
  if (keys.length === 0) return;
  const { createDataKey } = store;
  if (createDataKey === undefined) {
    throw new DataSourceError(
      `The ${store.kind} store keeps no data keys: it cannot restore a key backup`,
      {
        code: ErrorCode.FORBIDDEN,
      },
    );
  }
  await refuseDataKeys(store, keys);
  for (const record of keys) await createDataKey.call(store, record);
}
