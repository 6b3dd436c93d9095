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
import type { AppendOutcome, AppendRequest, StoredEvent, UniqueClaim } from '../event-store.js';
import {
  CLAIM_CONFLICT_STATE,
  DATA_KEY_CONFLICT_STATE,
  TENANT_CONFLICT_STATE,
  VERSION_CONFLICT_STATE,
} from './append-function.js';
import { findConflict } from './conflicts.js';
import type { SchemaNames } from './names.js';
import { pgErrorFields } from './pg-error.js';

/** Appends one command's events in one transaction, or nothing of them. */
export async function appendEvents(
  pool: Pool,
  names: SchemaNames,
  request: AppendRequest,
): Promise<StoredEvent[]> {
  checkAppendRequest(request);
  let positions: number[];
  try {
    const { rows } = await pool.query<{ positions: string[] }>(
      `SELECT ${names.quoted}.append_events(
         $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
         $17::text, $18::bigint, $19::text[], $20::text) AS positions`,
      appendParameters(request),
    );
    positions = (rows[0]?.positions ?? []).map(Number);
  } catch (error) {
    throw await explainFailure(pool, names, request, error);
  }
  return request.events.map((event, i) => deepFreeze({ ...event, position: positions[i] ?? 0 }));
}

/** The single append's arguments by name, as the batch function reads them from JSON. */
const BATCH_FIELDS = [
  'stream_ids',
  'expected',
  'next',
  'key_actions',
  'key_scopes',
  'key_names',
  'key_owners',
  'event_ids',
  'types',
  'schema_versions',
  'source_ids',
  'tenant_ids',
  'stream_versions',
  'occurred_at',
  'data',
  'metadata',
  'guard_tenant',
  'guard_position',
  'sealed_under',
  'destroy_keys_of',
] as const;

interface BatchResult {
  positions?: (number | string)[] | null;
  state?: string;
  detail?: string | null;
  constraint?: string | null;
  message?: string;
}

/**
 * Appends several commands in one transaction and one round trip, each in a
 * subtransaction of its own, so one that fails leaves the others committed.
 */
export async function appendBatchEvents(
  pool: Pool,
  names: SchemaNames,
  requests: readonly AppendRequest[],
): Promise<AppendOutcome[]> {
  const outcomes: (AppendOutcome | undefined)[] = requests.map((request) => {
    try {
      checkAppendRequest(request);
      return undefined;
    } catch (error) {
      return { ok: false, error: error as Error };
    }
  });
  const sent = requests.filter((_, i) => outcomes[i] === undefined);
  if (sent.length === 0) return outcomes as AppendOutcome[];
  const payload = sent.map((request) => {
    const values = appendParameters(request);
    return Object.fromEntries(BATCH_FIELDS.map((field, i) => [field, values[i]]));
  });
  const { rows } = await pool.query<{ results: BatchResult[] }>(
    `SELECT ${names.quoted}.append_batch($1::json) AS results`,
    [JSON.stringify(payload)],
  );
  const results = rows[0]?.results ?? [];
  let next = 0;
  for (let i = 0; i < requests.length; i++) {
    if (outcomes[i] !== undefined) continue;
    const request = requests[i] as AppendRequest;
    const result = results[next++];
    if (result?.positions !== undefined) {
      const positions = (result.positions ?? []).map(Number);
      const events = request.events.map((event, j) =>
        deepFreeze({ ...event, position: positions[j] ?? 0 }),
      );
      outcomes[i] = { ok: true, events };
      continue;
    }
    const failure = Object.assign(new Error(result?.message ?? 'no result for this command'), {
      code: result?.state,
      detail: result?.detail ?? undefined,
      constraint: result?.constraint ?? undefined,
    });
    outcomes[i] = { ok: false, error: await explainFailure(pool, names, request, failure) };
  }
  return outcomes as AppendOutcome[];
}

type KeyAction = UniqueClaim & { readonly action: 'release' | 'claim' };

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Streams sorted by id and keys by scope and key give every append the same lock
 * order, so concurrent appends wait for each other instead of deadlocking.
 */
function appendParameters(request: AppendRequest): unknown[] {
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
  return [
    streams.map(([id]) => id),
    streams.map(([, expected]) => expected),
    streams.map(([id, expected]) => expected + (added.get(id) ?? 0)),
    keys.map((k) => k.action),
    keys.map((k) => k.scope),
    keys.map((k) => k.key),
    keys.map((k) => k.owner),
    events.map((e) => e.eventId),
    events.map((e) => e.type),
    events.map((e) => e.schemaVersion),
    events.map((e) => e.sourceId),
    events.map((e) => e.tenantId),
    events.map((e) => e.streamVersion),
    events.map((e) => e.occurredAt),
    events.map((e) => JSON.stringify(e.data) ?? 'null'),
    events.map((e) => JSON.stringify(e.metadata)),
    request.tenantUnchanged?.tenantId ?? null,
    request.tenantUnchanged?.position ?? null,
    // Sorted: every append locks its keys in the same order.
    [...(request.sealedUnder ?? [])].sort(byText),
    request.destroysDataKeysOf ?? null,
  ];
}

async function explainFailure(
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
