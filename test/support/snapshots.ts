import { channel } from 'node:diagnostics_channel';
import { onTestFinished } from 'vitest';
import {
  DataSourceRegistry,
  DIAGNOSTICS_CHANNELS,
  type EventStore,
  type SnapshotMessage,
} from '../../src/index.js';
import { plainJson } from './plain.js';

/**
 * The same store without its snapshot members: a registry on it replays the
 * whole log, the reference a restored registry is compared with.
 */
export function withoutSnapshots(store: EventStore): EventStore {
  const { readSnapshot: _read, storeSnapshot: _store, ...rest } = store;
  return rest;
}

/** Every message of the snapshot channel until the end of the test, in order. */
export function hearSnapshots(): SnapshotMessage[] {
  const heard: SnapshotMessage[] = [];
  const onMessage = (message: unknown) => {
    heard.push(message as SnapshotMessage);
  };
  channel(DIAGNOSTICS_CHANNELS.snapshot).subscribe(onMessage);
  onTestFinished(() => {
    channel(DIAGNOSTICS_CHANNELS.snapshot).unsubscribe(onMessage);
  });
  return heard;
}

/**
 * Every answer of the registry's queries for these ids, tenants and names,
 * secrets as they are (plain copies), as one string: equal strings, equal states.
 */
export function answersOf(
  registry: DataSourceRegistry,
  scope: { ids: readonly string[]; tenants: readonly string[]; names: readonly string[] },
): string {
  return plainJson({
    position: registry.position,
    all: registry.list({ limit: 1e9 }),
    byId: scope.ids.map((id) => registry.get(id)),
    stats: registry.getStatistics(),
    byTenant: scope.tenants.map((tenantId) => ({
      list: registry.list({ tenantId, limit: 1e9 }),
      page: registry.list({ tenantId, offset: 1, limit: 1 }),
      active: registry.count({ tenantId, status: 'active' }),
      tagged: registry.list({ tenantId, tag: 'prod' }),
      taggedPii: registry.list({ tenantId, tag: 'pii' }),
      stats: registry.getStatistics(tenantId),
      byName: scope.names.map((name) => registry.getByName(tenantId, name)?.sourceId ?? null),
    })),
  });
}

/** Opens a registry on the store, replaying the whole log, and closes it after the test. */
export async function openFullReplay(
  store: EventStore,
  options: { encryptionKey?: Uint8Array; readOnly?: boolean },
): Promise<DataSourceRegistry> {
  const registry = await DataSourceRegistry.open({ store: withoutSnapshots(store), ...options });
  onTestFinished(() => registry.close());
  return registry;
}
