import type { DataSourceEvent } from '../src/domain/events.js';
import { DataSourceRegistry } from '../src/index.js';
import { nameClaim } from '../src/registry/name-claims.js';
import type { AppendRequest, PendingEvent, UniqueClaim } from '../src/store/event-store.js';
import { createMemoryEventStore, type MemoryEventStore } from '../src/store/memory-store.js';

/** The name claims one event takes and gives up, as the registry would have written them. */
function claimsOf(event: DataSourceEvent, names: Map<string, string>) {
  const claims: UniqueClaim[] = [];
  const releases: UniqueClaim[] = [];
  const { sourceId, tenantId } = event;
  if (event.type === 'DataSourceRegistered') {
    claims.push(nameClaim(tenantId, event.data.name, sourceId));
    names.set(sourceId, event.data.name);
  } else if (event.type === 'DataSourceRenamed') {
    releases.push(nameClaim(tenantId, event.data.from, sourceId));
    claims.push(nameClaim(tenantId, event.data.to, sourceId));
    names.set(sourceId, event.data.to);
  } else if (event.type === 'DataSourceDeleted') {
    const name = names.get(sourceId);
    if (name !== undefined) releases.push(nameClaim(tenantId, name, sourceId));
    names.delete(sourceId);
  }
  return { claims, releases };
}

function pending(event: DataSourceEvent): PendingEvent {
  const { position: _position, ...rest } = event;
  return rest;
}

/**
 * A memory store holding the log, with its name claims, written through the
 * store's own `append`. Events go in requests of up to 1,000, a new request
 * starting whenever a stream repeats, so each request names each stream once.
 */
export async function seedMemoryStore(
  events: readonly DataSourceEvent[],
): Promise<MemoryEventStore> {
  const store = createMemoryEventStore();
  const names = new Map<string, string>();
  let request: {
    events: PendingEvent[];
    expectedVersions: Record<string, number>;
    claims: UniqueClaim[];
    releases: UniqueClaim[];
  } = { events: [], expectedVersions: {}, claims: [], releases: [] };
  const flush = async () => {
    if (request.events.length > 0) await store.append(request as AppendRequest);
    request = { events: [], expectedVersions: {}, claims: [], releases: [] };
  };
  for (const event of events) {
    if (request.events.length >= 1000 || event.sourceId in request.expectedVersions) await flush();
    const { claims, releases } = claimsOf(event, names);
    request.events.push(pending(event));
    request.expectedVersions[event.sourceId] = event.streamVersion - 1;
    request.claims.push(...claims);
    request.releases.push(...releases);
  }
  await flush();
  return store;
}

/** An in-memory registry that starts on the given log (replayed by its constructor). */
export async function registryOn(events: readonly DataSourceEvent[]): Promise<DataSourceRegistry> {
  const store = await seedMemoryStore(events);
  return new DataSourceRegistry({ store });
}
