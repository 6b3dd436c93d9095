import type { DataSourceConfig } from '../src/domain/config.js';
import { DATA_SOURCE_TYPES, type DataSourceType } from '../src/domain/enums.js';
import type { DataSourceEvent, EventDraft } from '../src/domain/events.js';

/** The size and shape of a generated log. */
export interface LogShape {
  sources: number;
  /** Source i belongs to tenant i mod tenants, so tenants have equal sizes. */
  tenants: number;
  /** Events in each stream, the registration included. */
  eventsPerSource: number;
  /** Every n-th source ends with its deletion (0: none). Default 100, i.e. 1%. */
  deleteEvery?: number;
  seed?: number;
}

/** A log as the registry would have written it, plus the ids it uses. */
export interface GeneratedLog {
  /** In position order, deeply frozen like events read back from a store. */
  readonly events: DataSourceEvent[];
  readonly sourceIds: readonly string[];
  readonly tenantIds: readonly string[];
  /** The ids of the sources still live at the end of the log. */
  readonly liveSourceIds: readonly string[];
}

/** A small, fast, seedable generator (mulberry32): the same seed gives the same log. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID-shaped id (26 characters), so ids weigh what the registry's own ids
 * weigh. Built from char codes in one go: appending 26 times would leave a
 * chain of rope strings, several times heavier than a flat string.
 */
function ulidAt(timeMs: number, rand: () => number): string {
  const codes = new Array<number>(26);
  let t = timeMs;
  for (let i = 9; i >= 0; i--) {
    codes[i] = CROCKFORD.charCodeAt(t % 32);
    t = Math.floor(t / 32);
  }
  for (let i = 10; i < 26; i++) codes[i] = CROCKFORD.charCodeAt(Math.floor(rand() * 32));
  return String.fromCharCode(...codes);
}

/**
 * A flat copy of a string built by concatenation. V8 keeps such a string as
 * a rope of its parts, heavier than the flat string a store or a request body
 * would hand the registry, which would inflate the memory figures.
 */
function flat(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/** Freezes a fresh JSON value and everything in it, as a store's read hands events out. */
function freezeDeep<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) freezeDeep(inner);
    Object.freeze(value);
  }
  return value;
}

const BASE_TIME = Date.UTC(2024, 0, 1);

function configFor(type: DataSourceType, i: number, revision: number): DataSourceConfig {
  const api = type === 'api' || type === 'vector';
  return {
    connectionString: null,
    host: flat(api ? `api-${i % 97}.example.com` : `db-${i}.internal.example`),
    port: api ? null : 5432 + (revision % 3),
    username: api ? null : `svc_${i % 13}`,
    password: api ? null : flat(`pw-${i}-${revision}`),
    database: api ? null : `catalog_${i % 31}`,
    authType: api ? 'api_key' : 'password',
    apiKey: api ? flat(`key-${i}-${revision}`) : null,
    oauthConfig: null,
    poolSize: 5 + (revision % 4),
    poolTimeout: 30,
    maxRetries: 3,
    sslEnabled: i % 2 === 0,
    sslVerify: true,
    sslCertPath: null,
    options: revision === 0 ? {} : { revision },
  };
}

/** What the generator tracks of a source, so the history it writes is plausible. */
interface Draft {
  i: number;
  type: DataSourceType;
  name: string;
  status: 'pending' | 'active' | 'inactive' | 'error' | 'configuring' | 'deprecated';
  tags: string[];
  roles: string[];
  revision: number;
}

const TAGS = ['prod', 'staging', 'eu', 'us', 'pii', 'finance', 'ml', 'legacy'];
const ROLES = ['admin', 'analyst', 'engineer', 'auditor'];

function registration(d: Draft): EventDraft {
  return {
    type: 'DataSourceRegistered',
    data: {
      name: d.name,
      sourceType: d.type,
      config: configFor(d.type, d.i, 0),
      description: flat(`The ${d.type} source number ${d.i}`),
      tags: [...d.tags],
      metadata: { team: `team-${d.i % 50}`, costCenter: 1000 + (d.i % 200) },
      accessRoles: [...d.roles],
      ownerId: `user-${d.i % 500}`,
    },
  };
}

/** One later event, picked by weight: connections are the most common, deprecation the rarest. */
function nextEvent(d: Draft, rand: () => number, k: number): EventDraft {
  const roll = rand() * 100;
  const live = d.status !== 'deprecated';
  if (roll < 30) return { type: 'ConnectionRecorded', data: {} };
  if (roll < 42 && live && d.status !== 'active') {
    d.status = 'active';
    return { type: 'DataSourceActivated', data: {} };
  }
  if (roll < 52) {
    if (live) d.status = 'error';
    return { type: 'ErrorRecorded', data: { error: flat(`connection refused (attempt ${k})`) } };
  }
  if (roll < 64) {
    const tag = TAGS.find((t) => !d.tags.includes(t)) ?? `extra-${k}`;
    d.tags.push(tag);
    return { type: 'TagAdded', data: { tag } };
  }
  if (roll < 67 && d.tags.length > 0) {
    const tag = d.tags.shift() as string;
    return { type: 'TagRemoved', data: { tag } };
  }
  if (roll < 77 && live) {
    d.status = 'configuring';
    d.revision += 1;
    return {
      type: 'DataSourceConfigUpdated',
      data: { config: configFor(d.type, d.i, d.revision) },
    };
  }
  if (roll < 82) {
    const from = d.name;
    d.name = flat(`${from.replace(/-r\d+$/, '')}-r${k}`);
    return { type: 'DataSourceRenamed', data: { from, to: d.name } };
  }
  if (roll < 87) {
    return { type: 'DataSourceDescriptionChanged', data: { description: `Revised ${k}` } };
  }
  if (roll < 91) {
    return {
      type: 'DataSourceMetadataReplaced',
      data: { metadata: { team: `team-${(d.i + k) % 50}`, reviewed: true } },
    };
  }
  if (roll < 95) {
    const role = ROLES.find((r) => !d.roles.includes(r));
    if (role !== undefined) {
      d.roles.push(role);
      return { type: 'AccessGranted', data: { role } };
    }
  }
  if (roll < 96 && d.roles.length > 0) {
    return { type: 'AccessRevoked', data: { role: d.roles.pop() as string } };
  }
  if (roll < 99 && live && d.status !== 'inactive') {
    d.status = 'inactive';
    return { type: 'DataSourceDeactivated', data: {} };
  }
  if (live && roll >= 99) {
    d.status = 'deprecated';
    return { type: 'DataSourceDeprecated', data: {} };
  }
  return { type: 'ConnectionRecorded', data: {} };
}

function streamOfSource(i: number, shape: LogShape, rand: () => number): EventDraft[] {
  const type = DATA_SOURCE_TYPES[i % DATA_SOURCE_TYPES.length] as DataSourceType;
  const d: Draft = {
    i,
    type,
    name: flat(`${type}-source-${String(i).padStart(6, '0')}`),
    status: 'pending',
    tags: i % 3 === 0 ? ['prod', 'eu'] : ['prod'],
    roles: i % 4 === 0 ? ['admin'] : [],
    revision: 0,
  };
  const stream: EventDraft[] = [registration(d)];
  const deleteEvery = shape.deleteEvery ?? 100;
  const deleted = shape.eventsPerSource > 1 && deleteEvery > 0 && i % deleteEvery === 0;
  for (let k = 1; k < shape.eventsPerSource; k++) {
    const last = k === shape.eventsPerSource - 1;
    stream.push(
      last && deleted
        ? { type: 'DataSourceDeleted', data: { reason: 'deleted' } }
        : nextEvent(d, rand, k),
    );
  }
  return stream;
}

/**
 * The order of the log: source i registers at tick i and its later events
 * follow every `gap` ticks, with jitter, so each stream is spread over about
 * half the log, interleaved with thousands of others, as in a log that grew
 * over time. Sorted as numbers: tick first, then stream and event index.
 */
function logOrder(shape: LogShape, rand: () => number): Float64Array {
  const { sources, eventsPerSource: perSource } = shape;
  const gap = Math.max(2, Math.floor(sources / (2 * perSource)));
  const slots = sources * perSource;
  const keys = new Float64Array(slots);
  for (let i = 0; i < sources; i++) {
    for (let k = 0; k < perSource; k++) {
      const tick = k === 0 ? i : i + k * gap + Math.floor((rand() * gap) / 2);
      keys[i * perSource + k] = tick * slots + i * perSource + k;
    }
  }
  return keys.sort();
}

/** A deterministic log with the domain's own event types, as a registry would have written it. */
export function generateLog(shape: LogShape): GeneratedLog {
  const rand = random(shape.seed ?? 42);
  const { sources, tenants, eventsPerSource: perSource } = shape;
  const tenantIds = Array.from(
    { length: tenants },
    (_, t) => `tenant-${String(t).padStart(4, '0')}`,
  );
  const sourceIds = Array.from({ length: sources }, (_, i) => ulidAt(BASE_TIME + i, rand));
  const streams = Array.from({ length: sources }, (_, i) => streamOfSource(i, shape, rand));
  const order = logOrder(shape, rand);
  const slots = sources * perSource;
  const events: DataSourceEvent[] = new Array(slots);
  for (let p = 0; p < slots; p++) {
    const slot = (order[p] as number) % slots;
    const i = Math.floor(slot / perSource);
    const k = slot % perSource;
    const draft = (streams[i] as EventDraft[])[k] as EventDraft;
    const at = BASE_TIME + (p + 1) * 250;
    const event = {
      eventId: ulidAt(at, rand),
      type: draft.type,
      schemaVersion: 1,
      sourceId: sourceIds[i] as string,
      tenantId: tenantIds[i % tenants] as string,
      streamVersion: k + 1,
      position: p + 1,
      occurredAt: new Date(at).toISOString(),
      data: draft.data,
      metadata: { actor: `user-${i % 20}`, correlationId: `req-${p}` },
    };
    events[p] = freezeDeep(event as DataSourceEvent);
  }
  const liveSourceIds = sourceIds.filter((_, i) => {
    const stream = streams[i] as EventDraft[];
    return stream[stream.length - 1]?.type !== 'DataSourceDeleted';
  });
  return { events, sourceIds, tenantIds, liveSourceIds };
}
