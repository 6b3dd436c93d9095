import type { Pool } from 'pg';
import { deepFreeze } from '../../domain/freeze.js';
import { checkAppendRequest } from '../append-checks.js';
import type { AppendOutcome, AppendRequest } from '../event-store.js';
import { type AppendColumns, appendColumns, explainFailure } from './append.js';
import type { SchemaNames } from './names.js';

/** The columns that hold several values per command: sent concatenated, with counts. */
type ManyColumn = {
  [K in keyof AppendColumns]: AppendColumns[K] extends readonly unknown[] ? K : never;
}[keyof AppendColumns];

/** The concatenated columns, in the batch function's order. */
const MANY: readonly ManyColumn[] = [
  'streamIds',
  'expected',
  'next',
  'keyActions',
  'keyScopes',
  'keyNames',
  'keyOwners',
  'eventIds',
  'types',
  'schemaVersions',
  'sourceIds',
  'tenantIds',
  'streamVersions',
  'occurredAt',
  'data',
  'metadata',
  'sealedUnder',
];

/** The batch function's result: positions of the whole batch, and the commands that failed. */
interface BatchRow {
  positions: string[];
  failed: number[];
  states: string[];
  details: (string | null)[];
  constraint_names: (string | null)[];
  messages: string[];
}

/** The batch function's arguments, in order: counts, concatenated columns, one value per command. */
function batchArguments(commands: readonly AppendColumns[]): unknown[] {
  const counts = (column: ManyColumn) => commands.map((c) => c[column].length);
  const concatenated = MANY.map((column) => {
    const all: unknown[] = [];
    for (const c of commands) for (const value of c[column]) all.push(value);
    return all;
  });
  return [
    counts('streamIds'),
    counts('keyActions'),
    counts('eventIds'),
    counts('sealedUnder'),
    ...concatenated,
    commands.map((c) => c.guardTenant),
    commands.map((c) => c.guardPosition),
    commands.map((c) => c.destroyKeysOf),
  ];
}

const BATCH_PARAMETERS = `$1::integer[], $2::integer[], $3::integer[], $4::integer[],
  $5::text[], $6::integer[], $7::integer[], $8::text[], $9::text[], $10::text[], $11::text[],
  $12::text[], $13::text[], $14::integer[], $15::text[], $16::text[], $17::integer[],
  $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::bigint[], $24::text[]`;

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
  const { rows } = await pool.query<BatchRow>(
    `SELECT * FROM ${names.quoted}.append_batch(${BATCH_PARAMETERS})`,
    batchArguments(sent.map(appendColumns)),
  );
  const row = rows[0];
  if (!row) throw new Error('The batch append returned no row');
  const failures = new Map(row.failed.map((command, i) => [command - 1, i]));
  let command = 0;
  let taken = 0;
  for (let i = 0; i < requests.length; i++) {
    if (outcomes[i] !== undefined) continue;
    const request = requests[i] as AppendRequest;
    const from = taken;
    taken += request.events.length;
    const failure = failures.get(command++);
    if (failure === undefined) {
      const events = request.events.map((event, j) =>
        deepFreeze({ ...event, position: Number(row.positions[from + j]) }),
      );
      outcomes[i] = { ok: true, events };
      continue;
    }
    const error = Object.assign(new Error(row.messages[failure] ?? 'the command failed'), {
      code: row.states[failure],
      detail: row.details[failure] ?? undefined,
      constraint: row.constraint_names[failure] ?? undefined,
    });
    outcomes[i] = { ok: false, error: await explainFailure(pool, names, request, error) };
  }
  return outcomes as AppendOutcome[];
}
