// Appends commit side by side: nothing of the log is locked through a commit. Readers see an
// event once every older transaction has ended, so the positions an append returns may become
// readable a moment after it resolves, when an older append is still committing.
import type { Pool } from 'pg';
import { deepFreeze } from '../../domain/freeze.js';
import {
  checkAppendRequest,
  claimConflict,
  dataKeyConflict,
  storeError,
  tenantConflict,
  versionConflict,
} from '../append-checks.js';
import type { AppendRequest, StoredEvent, UniqueClaim } from '../event-store.js';
import {
  CLAIM_CONFLICT_STATE,
  DATA_KEY_CONFLICT_STATE,
  TENANT_CONFLICT_STATE,
  VERSION_CONFLICT_STATE,
} from './append-function.js';
import { findConflict } from './conflicts.js';
import type { SchemaNames } from './names.js';
import { pgErrorFields } from './pg-error.js';
import { prepared } from './prepared.js';

/** Appends one command's events in one transaction, or nothing of them. */
export async function appendEvents(
  pool: Pool,
  names: SchemaNames,
  request: AppendRequest,
): Promise<StoredEvent[]> {
  checkAppendRequest(request);
  let positions: number[];
  try {
    const { rows } = await pool.query<{ positions: string[] }>({
      ...prepared(`SELECT ${names.quoted}.append_events(
         $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
         $17::text, $18::bigint, $19::text[], $20::text) AS positions`),
      values: appendArguments(appendColumns(request)),
    });
    positions = (rows[0]?.positions ?? []).map(Number);
  } catch (error) {
    throw await explainFailure(pool, names, request, error);
  }
  return request.events.map((event, i) => deepFreeze({ ...event, position: positions[i] ?? 0 }));
}

type KeyAction = UniqueClaim & { readonly action: 'release' | 'claim' };

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** One command's arguments of the append functions, by name. */
export interface AppendColumns {
  readonly streamIds: string[];
  readonly expected: number[];
  readonly next: number[];
  readonly keyActions: string[];
  readonly keyScopes: string[];
  readonly keyNames: string[];
  readonly keyOwners: string[];
  readonly eventIds: string[];
  readonly types: string[];
  readonly schemaVersions: number[];
  readonly sourceIds: string[];
  readonly tenantIds: string[];
  readonly streamVersions: number[];
  readonly occurredAt: string[];
  readonly data: string[];
  readonly metadata: string[];
  readonly guardTenant: string | null;
  readonly guardPosition: number | null;
  readonly sealedUnder: string[];
  readonly destroyKeysOf: string | null;
}

/**
 * Streams sorted by id and keys by scope and key give every append the same lock
 * order, so concurrent appends wait for each other instead of deadlocking.
 */
export function appendColumns(request: AppendRequest): AppendColumns {
  const added = new Map<string, number>();
  for (const event of request.events) {
    added.set(event.sourceId, (added.get(event.sourceId) ?? 0) + 1);
  }
  const streams = Object.entries(request.expectedVersions).sort(([a], [b]) => byText(a, b));
  const keys: KeyAction[] = [
    ...(request.releases ?? []).map((c) => ({ ...c, action: 'release' as const })),
    ...(request.claims ?? []).map((c) => ({ ...c, action: 'claim' as const })),
  ];
  // A stable sort keeps each key's release before its claim, as the contract orders them.
  keys.sort((a, b) => byText(a.scope, b.scope) || byText(a.key, b.key));
  const { events } = request;
  return {
    streamIds: streams.map(([id]) => id),
    expected: streams.map(([, expected]) => expected),
    next: streams.map(([id, expected]) => expected + (added.get(id) ?? 0)),
    keyActions: keys.map((k) => k.action),
    keyScopes: keys.map((k) => k.scope),
    keyNames: keys.map((k) => k.key),
    keyOwners: keys.map((k) => k.owner),
    eventIds: events.map((e) => e.eventId),
    types: events.map((e) => e.type),
    schemaVersions: events.map((e) => e.schemaVersion),
    sourceIds: events.map((e) => e.sourceId),
    tenantIds: events.map((e) => e.tenantId),
    streamVersions: events.map((e) => e.streamVersion),
    occurredAt: events.map((e) => e.occurredAt),
    data: events.map((e) => JSON.stringify(e.data) ?? 'null'),
    metadata: events.map((e) => JSON.stringify(e.metadata)),
    guardTenant: request.tenantUnchanged?.tenantId ?? null,
    guardPosition: request.tenantUnchanged?.position ?? null,
    // Sorted: every append locks its keys in the same order.
    sealedUnder: [...(request.sealedUnder ?? [])].sort(byText),
    destroyKeysOf: request.destroysDataKeysOf ?? null,
  };
}

/** The single append function's arguments, in order. */
function appendArguments(c: AppendColumns): unknown[] {
  return [
    c.streamIds,
    c.expected,
    c.next,
    c.keyActions,
    c.keyScopes,
    c.keyNames,
    c.keyOwners,
    c.eventIds,
    c.types,
    c.schemaVersions,
    c.sourceIds,
    c.tenantIds,
    c.streamVersions,
    c.occurredAt,
    c.data,
    c.metadata,
    c.guardTenant,
    c.guardPosition,
    c.sealedUnder,
    c.destroyKeysOf,
  ];
}

/** The error an append failed with, as the store reports it: a conflict where it was one. */
export async function explainFailure(
  pool: Pool,
  names: SchemaNames,
  request: AppendRequest,
  error: unknown,
): Promise<Error> {
  const { code, detail, constraint } = pgErrorFields(error);
  if (
    code === VERSION_CONFLICT_STATE ||
    code === CLAIM_CONFLICT_STATE ||
    code === TENANT_CONFLICT_STATE ||
    code === DATA_KEY_CONFLICT_STATE
  ) {
    const conflict = parseConflict(code, detail);
    if (conflict) return conflict;
  }
  if (code === '23505' && constraint === 'events_event_id_unique') {
    return storeError('Append (an event id is already in the log)', error);
  }
  // A race the function's own checks did not see: the state now names the winner.
  if (code === '23505' || code === '40001' || code === '40P01') {
    const conflict = await findConflict(pool, names, request).catch(() => undefined);
    if (conflict) return conflict;
  }
  return storeError('Append', error);
}

function parseConflict(code: string, detail: string | undefined): Error | undefined {
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(detail ?? '') as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const text = (name: string) => String(fields[name] ?? '');
  if (code === VERSION_CONFLICT_STATE) {
    return versionConflict(text('streamId'), Number(fields.expected), Number(fields.actual));
  }
  if (code === DATA_KEY_CONFLICT_STATE) return dataKeyConflict(text('dataKeyId'));
  if (code === TENANT_CONFLICT_STATE) {
    const guard = { tenantId: text('tenantId'), position: Number(fields.position) };
    return tenantConflict(guard, Number(fields.createdAt));
  }
  const claim = { scope: text('scope'), key: text('key'), owner: text('owner') };
  return claimConflict(claim, text('heldBy'));
}
