import { setImmediate as nextTurn } from 'node:timers/promises';
import { z } from 'zod';
import { dataSourceConfigSchema } from '../domain/config.js';
import { type CustomerDataSource, customerDataSourceSchema } from '../domain/data-source.js';
import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { deepFreeze } from '../domain/freeze.js';
import { maskWhenPrinted } from '../domain/secret-display.js';
import type { SourceStream } from '../domain/stream.js';
import type { SnapshotMac } from '../security/snapshot-mac.js';
import {
  type SnapshotSecretsReader,
  type SnapshotSecretsWriter,
  snapshotSecretsReader,
  snapshotSecretsWriter,
} from '../security/snapshot-secret-bundles.js';
import type { SnapshotSecretMode } from '../security/snapshot-secrets.js';

/**
 * How many streams are encoded between two turns of the event loop: a
 * snapshot of a large registry is written beside the commands, never in one
 * block that would hold them up.
 */
const STREAMS_PER_TURN = 2_000;

/**
 * A source is written as the array of its values in the order of its
 * schema's keys, and its config likewise: a snapshot of 100,000 sources
 * then carries no key names, which makes it about a third smaller and
 * faster to parse. The order is the schemas', which the format hashes.
 */
const SOURCE_FIELDS = Object.keys(customerDataSourceSchema.shape) as (keyof CustomerDataSource)[];
const CONFIG_FIELDS = Object.keys(dataSourceConfigSchema.shape);

/** The write model at a position: what a snapshot holds. */
export interface SnapshotState {
  readonly position: number;
  /** Every stream, deleted ones included, in the order the write model holds them. */
  readonly streams: ReadonlyMap<string, SourceStream>;
}

function encodeStream(id: string, stream: SourceStream, secrets: SnapshotSecretsWriter): string {
  const { source } = stream;
  if (source === null) return JSON.stringify([id, stream.version, null]);
  // The source's own config prints its secrets as "***": the snapshot takes its values.
  const config = secrets.config(source.config, source.tenantId, source.sourceId);
  const values = SOURCE_FIELDS.map((field) =>
    field === 'config' ? CONFIG_FIELDS.map((key) => config[key]) : source[field],
  );
  return JSON.stringify([id, stream.version, values]);
}

/**
 * The write model as the bytes of a snapshot: UTF-8 JSON,
 * `{"format","position","streams":[[id, version, values | null], …],"secrets":[[tenantId, token], …],"mac"}`,
 * each tenant's secrets sealed together (see snapshot-secret-bundles.ts),
 * and with a key, the tag of every byte before `"mac"` last (see
 * snapshot-mac.ts). The streams are read
 * from `state` as it was when this was called: each is an immutable value,
 * so commands applied meanwhile change nothing of it.
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
  const parts: string[] = [];
  for (let i = 0; i < entries.length; i += STREAMS_PER_TURN) {
    if (i > 0) await nextTurn();
    for (const [id, stream] of entries.slice(i, i + STREAMS_PER_TURN)) {
      parts.push(encodeStream(id, stream, secrets));
    }
  }
  if (mode.kind === 'sealed' && mode.sealer !== null) {
    await mode.sealer.prepareSeal(secrets.tenants());
  }
  const head = `{"format":${JSON.stringify(format)},"position":${position},"streams":[`;
  const body = Buffer.from(
    `${head}${parts.join(',')}],"secrets":${JSON.stringify(secrets.seal())}`,
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
  // Each row is checked as it is read (see streamRow): a schema of 100,000
  // tuples would copy every one of them first.
  streams: z.array(z.unknown()),
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
 * A row of the streams, `[id, version, values | null]`, checked.
 *
 * @throws DataSourceError CORRUPT_LOG when it is not one.
 */
function streamRow(row: unknown, at: number): [string, number, unknown] {
  if (Array.isArray(row) && row.length === 3) {
    const [id, version, values] = row as unknown[];
    if (typeof id === 'string' && id.length > 0 && Number.isSafeInteger(version)) {
      if ((version as number) >= 1) return [id, version as number, values];
    }
  }
  throw unusableSnapshot(`it is malformed: stream ${at} is not [id, version, source]`);
}

/** An object of `fields` from an array of as many values, or null when it is not one. */
function fromValues(fields: readonly string[], values: unknown): Record<string, unknown> | null {
  if (!Array.isArray(values) || values.length !== fields.length) return null;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < fields.length; i++) out[fields[i] as string] = values[i];
  return out;
}

function decodeSource(
  id: string,
  version: number,
  values: unknown,
  secrets: SnapshotSecretsReader,
  authenticated: boolean,
): CustomerDataSource {
  const fields = fromValues(SOURCE_FIELDS, values);
  const sealed = fromValues(CONFIG_FIELDS, fields?.config);
  if (fields === null || sealed === null) throw unusableSnapshot(`stream ${id} holds no source`);
  fields.config = secrets.config(sealed, String(fields.tenantId), id);
  // Bytes whose tag checks out were written from sources the fold had made,
  // each of which passed the schema then: checking them again would find nothing.
  const parsed = authenticated
    ? { success: true as const, data: fields as z.output<typeof customerDataSourceSchema> }
    : customerDataSourceSchema.safeParse(fields);
  if (!parsed.success) {
    throw unusableSnapshot(`the source of stream ${id} is not valid: ${parsed.error.message}`);
  }
  // A fresh object either way (zod's output, or the one made from the values):
  // made into what the fold makes, a frozen source whose config masks its
  // secrets when printed.
  const source = parsed.data;
  if (source.sourceId !== id || source.version !== version) {
    throw unusableSnapshot(`stream ${id} at version ${version} holds another source or version`);
  }
  source.config = maskWhenPrinted(source.config);
  Object.freeze(source.tags);
  Object.freeze(source.accessRoles);
  Object.freeze(source.secretFingerprints);
  deepFreeze(source.metadata);
  return Object.freeze(source);
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
  const { format, position, streams: rows, secrets: sealed } = parsed.data;
  if (format !== expected.format || position !== expected.position) {
    throw unusableSnapshot(
      `it says format ${format} at position ${position}, its record ${expected.format} at ${expected.position}`,
    );
  }
  const reader = await snapshotSecretsReader(secrets, { format, position }, sealed);
  const streams = new Map<string, SourceStream>();
  for (let at = 0; at < rows.length; at++) {
    const [id, version, values] = streamRow(rows[at], at);
    if (streams.has(id)) throw unusableSnapshot(`stream ${id} appears twice`);
    const source =
      values === null ? null : decodeSource(id, version, values, reader, authenticated);
    streams.set(id, Object.freeze({ version, source }));
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
  encodeStream,
  encodeSnapshot,
  streamRow,
  fromValues,
  decodeSource,
  checkTag,
  decodeSnapshot,
].map(String);
