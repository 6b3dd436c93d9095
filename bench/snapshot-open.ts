import { createHash } from 'node:crypto';
import { DataSourceRegistry, type EventStore } from '../src/index.js';
import { createSqliteEventStore } from '../src/store/sqlite/index.js';

/** The store on the file without its snapshot members: a registry on it replays the whole log. */
export function storeWithoutSnapshots(filename: string): EventStore {
  const {
    readSnapshot: _read,
    storeSnapshot: _store,
    ...store
  } = createSqliteEventStore({
    filename,
  });
  return store;
}

/** What a registry answers, secrets included, as one hash: equal hashes, equal states. */
export function stateDigest(registry: DataSourceRegistry): string {
  const hash = createHash('sha256');
  // structuredClone: a plain copy, so the secrets' print mask hides no difference.
  const sources = structuredClone(registry.list({ limit: Number.MAX_SAFE_INTEGER }));
  hash.update(JSON.stringify(sources));
  hash.update(JSON.stringify(registry.getStatistics()));
  hash.update(String(registry.position));
  return hash.digest('hex');
}

/** Opens the file, replaying it all, and saves a snapshot; resolves with its size and time. */
export async function takeSnapshot(filename: string, key: Uint8Array) {
  const registry = await DataSourceRegistry.open({
    store: createSqliteEventStore({ filename }),
    encryptionKey: key,
  });
  try {
    const started = performance.now();
    const info = await registry.snapshot();
    return { ...info, ms: performance.now() - started };
  } finally {
    await registry.close();
  }
}

/** Startup on the file, with its snapshot or (`withSnapshot` false) without; the state's digest. */
export async function openAndDigest(
  filename: string,
  key: Uint8Array,
  withSnapshot: boolean,
  digest: boolean,
): Promise<{ count: number; digest: string | null }> {
  const store = withSnapshot
    ? createSqliteEventStore({ filename })
    : storeWithoutSnapshots(filename);
  const registry = await DataSourceRegistry.open({ store, encryptionKey: key });
  try {
    return { count: registry.count(), digest: digest ? stateDigest(registry) : null };
  } finally {
    await registry.close();
  }
}
