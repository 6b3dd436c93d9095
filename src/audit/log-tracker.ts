import { nameKey } from '../domain/data-source.js';
import type { DataSourceEvent } from '../domain/events.js';
import { nameAfter } from '../domain/name-after.js';
import { tenantStreamId } from '../domain/tenant-stream.js';

interface StreamState {
  version: number;
  readonly tenantId: string;
  live: boolean;
  /** The live source's name; null once deleted. */
  name: string | null;
}

/** A source's name as a store claims it. */
export interface HeldName {
  readonly tenantId: string;
  readonly name: string;
}

/**
 * Follows a log event by event and says what would make it one no registry
 * could have written: positions that do not increase, a stream version
 * skipped or repeated, a stream changing tenant, an event before the
 * registration or after the deletion (a `TenantPurged` needs none, on its
 * tenant's own stream), a name two live sources of a tenant
 * hold. It keeps one small record per stream and per live name, never the
 * events, so it reads a log of any length in memory that grows only with
 * the number of sources.
 */
export interface LogTracker {
  /** The problem with the next event, or null once it has been taken in. */
  accept(event: DataSourceEvent): string | null;
  /** The name the stream's source holds now; null when it has none or is deleted. */
  heldName(sourceId: string): HeldName | null;
}

export function createLogTracker(): LogTracker {
  const streams = new Map<string, StreamState>();
  // `${tenantId}\u0000${normalized name}` → the source holding it.
  const holders = new Map<string, string>();
  let lastPosition = 0;
  const nameId = (tenantId: string, name: string) => `${tenantId}\u0000${nameKey(name)}`;

  function problem(event: DataSourceEvent, stream: StreamState | undefined): string | null {
    if (event.position <= lastPosition) {
      return `position ${event.position} does not follow position ${lastPosition}`;
    }
    const expected = (stream?.version ?? 0) + 1;
    if (event.streamVersion !== expected) {
      return `stream ${event.sourceId} goes from version ${expected - 1} to ${event.streamVersion}`;
    }
    if (stream !== undefined && stream.tenantId !== event.tenantId) {
      return `stream ${event.sourceId} belongs to tenant ${stream.tenantId}, not ${event.tenantId}`;
    }
    if (event.type === 'TenantPurged') {
      // A tenant's own stream has no registration: its purges are all it holds.
      const own = tenantStreamId(event.tenantId);
      if (event.sourceId !== own) return `TenantPurged on stream ${event.sourceId}, not ${own}`;
      if (stream?.live) return `TenantPurged on stream ${event.sourceId}, which holds a source`;
    } else if (event.type === 'DataSourceRegistered') {
      if (stream !== undefined) return `stream ${event.sourceId} is registered twice`;
    } else if (stream === undefined || !stream.live) {
      return `${event.type} on stream ${event.sourceId}, which has no live source`;
    }
    const next =
      event.type === 'DataSourceRegistered'
        ? event.data.name
        : event.type === 'DataSourceRenamed'
          ? event.data.to
          : null;
    const holder = next === null ? undefined : holders.get(nameId(event.tenantId, next));
    if (holder !== undefined && holder !== event.sourceId) {
      return `tenant ${event.tenantId} already has a live source named "${next}" (${holder})`;
    }
    return null;
  }

  return {
    accept(event) {
      const stream = streams.get(event.sourceId);
      const found = problem(event, stream);
      if (found !== null) return found;
      lastPosition = event.position;
      // A tenant's own stream never holds a live source: no source event may follow.
      const live = event.type !== 'TenantPurged';
      const state = stream ?? { version: 0, tenantId: event.tenantId, live, name: null };
      streams.set(event.sourceId, state);
      state.version = event.streamVersion;
      const next = nameAfter(event, state.name);
      if (state.name !== null) holders.delete(nameId(state.tenantId, state.name));
      if (next !== null) holders.set(nameId(state.tenantId, next), event.sourceId);
      state.name = next;
      if (event.type === 'DataSourceDeleted') state.live = false;
      return null;
    },
    heldName(sourceId) {
      const stream = streams.get(sourceId);
      if (stream === undefined || stream.name === null) return null;
      return { tenantId: stream.tenantId, name: stream.name };
    },
  };
}
