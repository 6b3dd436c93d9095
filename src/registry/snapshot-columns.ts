import { setImmediate as nextTurn } from 'node:timers/promises';
import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { isRecord } from '../domain/json.js';

/**
 * A snapshot stores the values of one field of every source together, as a
 * column: `[value, …]`, one per source in stream order. Parsing one array per
 * field instead of one per source leaves a few dozen arrays for the
 * collector instead of hundreds of thousands, which is most of what made
 * loading a large snapshot slow.
 *
 * A column whose values repeat (tenants, statuses, tags, roles, options) is
 * written `{"values":[distinct, …],"at":[index, …]}`: each distinct value is
 * parsed once and shared by every source holding it, which costs less to
 * parse, to collect and to keep once loaded. Sharing is safe because every
 * value of a source is frozen and never changed, only replaced.
 */
export type EncodedColumn = unknown[] | { readonly values: unknown[]; readonly at: number[] };

/** How many values are turned into JSON between two turns of the event loop. */
const VALUES_PER_TURN = 4_000;

/** A column as the JSON a snapshot holds (see EncodedColumn), written a slice at a time. */
export async function columnJson(values: readonly unknown[]): Promise<string> {
  const texts = new Array<string>(values.length);
  const distinct = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    if (i % VALUES_PER_TURN === 0) await nextTurn();
    const text = JSON.stringify(values[i]);
    texts[i] = text;
    if (!distinct.has(text)) distinct.set(text, distinct.size);
  }
  // More than one in two distinct: the indexes would cost more than they save.
  if (distinct.size * 2 > values.length) return `[${texts.join(',')}]`;
  const at = texts.map((text) => distinct.get(text));
  return `{"values":[${[...distinct.keys()].join(',')}],"at":[${at.join(',')}]}`;
}

/** Why a snapshot's columns cannot be read; the registry then replays the whole log. */
function malformed(name: string, why: string): DataSourceError {
  return new DataSourceError(`The snapshot cannot be used: its column ${name} ${why}`, {
    code: ErrorCode.CORRUPT_LOG,
  });
}

/**
 * The values of a column of `length` sources, whichever way it was written.
 *
 * @throws DataSourceError CORRUPT_LOG when it is not a column of that many values.
 */
export function columnValues(name: string, column: unknown, length: number | null): unknown[] {
  if (Array.isArray(column)) {
    if (length !== null && column.length !== length)
      throw malformed(name, `holds ${column.length} values`);
    return column;
  }
  if (!isRecord(column) || !Array.isArray(column.values) || !Array.isArray(column.at)) {
    throw malformed(name, 'is not a column');
  }
  const { values, at } = column as { values: unknown[]; at: unknown[] };
  if (length !== null && at.length !== length) throw malformed(name, `holds ${at.length} values`);
  const out = new Array<unknown>(at.length);
  for (let i = 0; i < at.length; i++) {
    const index = at[i];
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
      throw malformed(name, 'points at no value');
    }
    if (index >= values.length) throw malformed(name, 'points at no value');
    out[i] = values[index];
  }
  return out;
}

/**
 * The columns of an object of columns by name, one per name and no other.
 *
 * @throws DataSourceError CORRUPT_LOG when one is missing, extra or malformed.
 */
export function columnsOf<Name extends string>(
  what: string,
  columns: unknown,
  names: readonly Name[],
  length: number,
): Record<Name, unknown[]> {
  if (!isRecord(columns)) throw malformed(what, 'is not an object of columns');
  const keys = Object.keys(columns);
  if (keys.length !== names.length || names.some((name) => !Object.hasOwn(columns, name))) {
    throw malformed(what, `holds ${keys.join(', ')}, not ${names.join(', ')}`);
  }
  const out = {} as Record<Name, unknown[]>;
  for (const name of names) out[name] = columnValues(`${what}.${name}`, columns[name], length);
  return out;
}

/** The code that writes and reads columns, as text: part of the snapshot format. */
export const SNAPSHOT_COLUMNS_CODE: readonly string[] = [columnJson, columnValues, columnsOf].map(
  String,
);
