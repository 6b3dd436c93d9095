import { setImmediate as nextTurn } from 'node:timers/promises';
import { z } from 'zod';
import { type DataSourceConfig, dataSourceConfigSchema } from '../domain/config.js';
import { type CustomerDataSource, customerDataSourceSchema } from '../domain/data-source.js';
import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { isRecord } from '../domain/json.js';
import type { SourceStream } from '../domain/stream.js';
import type { SnapshotMac } from '../security/snapshot-mac.js';
import {
  type SnapshotSecretsWriter,
  snapshotSecretsReader,
  snapshotSecretsWriter,
} from '../security/snapshot-secret-bundles.js';
import type { SnapshotSecretMode } from '../security/snapshot-secrets.js';
import { columnJson, columnsOf, columnValues, SNAPSHOT_COLUMNS_CODE } from './snapshot-columns.js';
import {
  type ColumnField,
  SNAPSHOT_SOURCES_CODE,
  type SourceColumns,
  sourceOfColumns,
} from './snapshot-sources.js';

/**
 * How many streams are encoded between two turns of the event loop: a
 * snapshot of a large registry is written beside the commands, never in one
 * block that would hold them up.
 */
const STREAMS_PER_TURN = 2_000;

/**
 * A source is written as its values, one column per field in the order of
 * its schema's keys (see snapshot-columns.ts), and its config likewise; its
 * id and version are its stream's, never written twice. The order is the
 * schemas', which the format hashes.
 */
const SOURCE_FIELDS = Object.keys(customerDataSourceSchema.shape) as (keyof CustomerDataSource)[];
const CONFIG_FIELDS = Object.keys(dataSourceConfigSchema.shape) as (keyof DataSourceConfig)[];
const COLUMN_FIELDS = SOURCE_FIELDS.filter(
  (field): field is ColumnField =>
    field !== 'sourceId' && field !== 'version' && field !== 'config',
);

/** The write model at a position: what a snapshot holds. */
export interface SnapshotState {
  readonly position: number;
  /** Every stream, deleted ones included, in the order the write model holds them. */
  readonly streams: ReadonlyMap<string, SourceStream>;
}

/** The streams of a snapshot as columns, before they are written as JSON. */
interface StreamColumns {
  readonly ids: string[];
  readonly versions: number[];
  /** The indexes, ascending, of the streams whose source was deleted. */
  readonly deleted: number[];
  /** One column per field of COLUMN_FIELDS, one value per live source. */
  readonly sources: unknown[][];
  /** One column per field of CONFIG_FIELDS, one value per live source. */
  readonly configs: unknown[][];
}

/** Puts one stream's values into the columns, its secrets into their tenant's bundle. */
function addStream(
  into: StreamColumns,
  id: string,
  stream: SourceStream,
  secrets: SnapshotSecretsWriter,
): void {
  into.ids.push(id);
  into.versions.push(stream.version);
  const { source } = stream;
  if (source === null) {
    into.deleted.push(into.ids.length - 1);
    return;
  }
  // Never written: a source read back takes them from its stream, as the fold made them.
  if (source.sourceId !== id || source.version !== stream.version) {
    throw new Error(`stream ${id} at version ${stream.version} holds another source or version`);
  }
  // The source's own config prints its secrets as "***": the snapshot takes its values.
  const config = secrets.config(source.config, source.tenantId, source.sourceId);
  for (let c = 0; c < COLUMN_FIELDS.length; c++) {
    (into.sources[c] as unknown[]).push(source[COLUMN_FIELDS[c] as keyof CustomerDataSource]);
  }
  for (let c = 0; c < CONFIG_FIELDS.length; c++) {
    (into.configs[c] as unknown[]).push(config[CONFIG_FIELDS[c] as string]);
  }
}

/** An object of named columns as JSON, written a slice at a time. */
async function columnsJson(names: readonly string[], columns: readonly unknown[][]) {
  const parts: string[] = [];
  for (let c = 0; c < names.length; c++) {
    parts.push(`${JSON.stringify(names[c])}:${await columnJson(columns[c] as unknown[])}`);
  }
  return `{${parts.join(',')}}`;
}

/**
 * The write model as the bytes of a snapshot: UTF-8 JSON,
 * `{"format","position","streams":{"ids","versions","deleted"},"sources":{<field>: column, …},"configs":{<field>: column, …},"secrets":[[tenantId, token], …],"mac"}`,
 * a column holding one value per live source in stream order (see
 * snapshot-columns.ts), each tenant's secrets sealed together (see
 * snapshot-secret-bundles.ts), and with a key, the tag of every byte before
 * `"mac"` last (see snapshot-mac.ts). The streams are read from `state` as
 * it was when this was called: each is an immutable value, so commands
 * applied meanwhile change nothing of it.
 *
 * @throws DataSourceError SECRET_UNAVAILABLE when a secret cannot be sealed.
 */
export async function encodeSnapshot(
  state: SnapshotState,
  format: string,
  mode: SnapshotSecretMode,
): Promise<{ readonly position: number; readonly data: Uint8Array }> {
  // Both read now, together: the model moves on while the streams are encoded.
  const { position } = state;
  const entries = [...state.streams];
  const secrets = snapshotSecretsWriter(mode, { format, position });
  const columns: StreamColumns = {
    ids: [],
    versions: [],
    deleted: [],
    sources: COLUMN_FIELDS.map(() => []),
    configs: CONFIG_FIELDS.map(() => []),
  };
  for (let i = 0; i < entries.length; i++) {
    if (i > 0 && i % STREAMS_PER_TURN === 0) await nextTurn();
    const [id, stream] = entries[i] as [string, SourceStream];
    addStream(columns, id, stream, secrets);
  }
  if (mode.kind === 'sealed' && mode.sealer !== null) {
    await mode.sealer.prepareSeal(secrets.tenants());
  }
  const streams = await columnsJson(
    ['ids', 'versions', 'deleted'],
    [columns.ids, columns.versions, columns.deleted],
  );
  const sources = await columnsJson(COLUMN_FIELDS, columns.sources);
  const configs = await columnsJson(CONFIG_FIELDS, columns.configs);
  const head = `{"format":${JSON.stringify(format)},"position":${position}`;
  const body = Buffer.from(
    `${head},"streams":${streams},"sources":${sources},"configs":${configs},"secrets":${JSON.stringify(secrets.seal())}`,
    'utf8',
  );
  const mac = mode.kind === 'sealed' ? mode.mac : null;
  if (mac === null) return { position, data: Buffer.concat([body, Buffer.from('}')]) };
  const tag = Buffer.from(`${MAC_FIELD}${JSON.stringify(mac.sign(body))}}`, 'utf8');
  return { position, data: Buffer.concat([body, tag]) };
}

/** What precedes the tag, the last field: the tag covers every byte before it. */
const MAC_FIELD = ',"mac":';

const snapshotSchema = z.strictObject({
  format: z.string(),
  position: z.number().int().min(0),
  // Columns are checked as they are read (see snapshot-columns.ts): a schema
  // of 100,000 values would copy every one of them first.
  streams: z.unknown(),
  sources: z.unknown(),
  configs: z.unknown(),
  secrets: z.array(z.tuple([z.string(), z.string()])),
  mac: z.string().optional(),
});

/** Why a snapshot cannot be used; the registry then replays the whole log. */
export function unusableSnapshot(why: string, cause?: unknown): DataSourceError {
  return new DataSourceError(`The snapshot cannot be used: ${why}`, {
    code: ErrorCode.CORRUPT_LOG,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * The streams' columns, checked: ids and versions, as many of each, and the
 * indexes of the deleted ones, ascending.
 *
 * @throws DataSourceError CORRUPT_LOG when they are not.
 */
function streamColumns(json: unknown) {
  if (!isRecord(json) || Object.keys(json).length !== 3) {
    throw unusableSnapshot('it is malformed: its streams are not {ids, versions, deleted}');
  }
  const ids = columnValues('streams.ids', json.ids, null);
  const versions = columnValues('streams.versions', json.versions, ids.length);
  const deleted = columnValues('streams.deleted', json.deleted, null);
  let after = -1;
  for (const index of deleted) {
    if (!Number.isInteger(index) || (index as number) <= after || (index as number) >= ids.length) {
      throw unusableSnapshot('it is malformed: its deleted streams are not indexes, ascending');
    }
    after = index as number;
  }
  return { ids, versions, deleted: deleted as number[] };
}

/**
 * A stream's id and version, checked.
 *
 * @throws DataSourceError CORRUPT_LOG when they are not a non-empty id and a version from 1.
 */
function checkStream(id: unknown, version: unknown, at: number): asserts id is string {
  if (typeof id === 'string' && id.length > 0 && Number.isSafeInteger(version)) {
    if ((version as number) >= 1) return;
  }
  throw unusableSnapshot(`it is malformed: stream ${at} is not an id and a version`);
}

/**
 * Checks the tag at the end of the bytes, where the writer put it.
 *
 * @throws DataSourceError CORRUPT_LOG when there is none or it does not check out.
 */
function checkTag(bytes: Buffer, mac: SnapshotMac): void {
  const at = bytes.lastIndexOf(MAC_FIELD);
  const tag = at < 0 ? null : bytes.subarray(at + MAC_FIELD.length, bytes.length - 1).toString();
  const text = tag?.startsWith('"') && tag.endsWith('"') ? tag.slice(1, -1) : null;
  if (text === null || bytes.at(-1) !== 0x7d || !mac.verify(bytes.subarray(0, at), text)) {
    throw unusableSnapshot(
      'its tag does not check out: it was altered, or written without a key or under a key this instance does not hold',
    );
  }
}

/**
 * The write model a snapshot holds, checked through and through: its tag
 * (with a key), the format, the position, every stream, every source against
 * the schemas the fold produces (only without a key: with one, the tag
 * vouches for them), every secret opened (or withheld, read-only).
 *
 * @throws DataSourceError CORRUPT_LOG when the bytes are not such a snapshot
 *   of this format at this position; SECRET_UNAVAILABLE when a secret cannot
 *   be opened.
 */
export async function decodeSnapshot(
  data: Uint8Array,
  expected: { readonly format: string; readonly position: number },
  secrets: SnapshotSecretMode,
): Promise<SnapshotState> {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const authenticated = secrets.kind === 'sealed' && secrets.mac !== null;
  if (authenticated) checkTag(bytes, secrets.mac);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw unusableSnapshot('its bytes are not JSON', error);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) throw unusableSnapshot(`it is malformed: ${parsed.error.message}`);
  const { format, position, secrets: sealed } = parsed.data;
  if (format !== expected.format || position !== expected.position) {
    throw unusableSnapshot(
      `it says format ${format} at position ${position}, its record ${expected.format} at ${expected.position}`,
    );
  }
  const { ids, versions, deleted } = streamColumns(parsed.data.streams);
  const live = ids.length - deleted.length;
  const columns: SourceColumns = {
    sources: columnsOf('sources', parsed.data.sources, COLUMN_FIELDS, live),
    configs: columnsOf('configs', parsed.data.configs, CONFIG_FIELDS, live),
  };
  const reader = await snapshotSecretsReader(secrets, { format, position }, sealed);
  const streams = new Map<string, SourceStream>();
  let next = 0;
  let source = 0;
  for (let at = 0; at < ids.length; at++) {
    const id = ids[at];
    const version = versions[at] as number;
    checkStream(id, version, at);
    if (streams.has(id)) throw unusableSnapshot(`stream ${id} appears twice`);
    if (deleted[next] === at) {
      next++;
      streams.set(id, Object.freeze({ version, source: null }));
      continue;
    }
    const restored = sourceOfColumns(columns, source++, id, version, reader, authenticated);
    streams.set(id, Object.freeze({ version, source: restored }));
  }
  reader.finish();
  return { position, streams };
}

/**
 * The code that writes and reads the bytes, as text: part of the snapshot
 * format, so a change to the layout makes older snapshots unreadable
 * without anyone having to remember to say so.
 */
export const SNAPSHOT_CODEC_CODE: readonly string[] = [
  addStream,
  columnsJson,
  encodeSnapshot,
  streamColumns,
  checkStream,
  checkTag,
  decodeSnapshot,
  ...SNAPSHOT_COLUMNS_CODE,
  ...SNAPSHOT_SOURCES_CODE,
].map(String);
