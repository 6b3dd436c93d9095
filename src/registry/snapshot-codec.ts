import { setImmediate as nextTurn } from 'node:timers/promises';
import { z } from 'zod';
import { type CustomerDataSource, customerDataSourceSchema } from '../domain/data-source.js';
import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { deepFreeze } from '../domain/freeze.js';
import { maskWhenPrinted } from '../domain/secret-display.js';
import type { SourceStream } from '../domain/stream.js';
import {
  openSnapshotConfig,
  type SnapshotSecretMode,
  sealSnapshotConfig,
} from '../security/snapshot-secrets.js';

/**
 * How many streams are encoded between two turns of the event loop: a
 * snapshot of a large registry is written beside the commands, never in one
 * block that would hold them up.
 */
const STREAMS_PER_TURN = 2_000;

/** The write model at a position: what a snapshot holds. */
export interface SnapshotState {
  readonly position: number;
  /** Every stream, deleted ones included, in the order the write model holds them. */
  readonly streams: ReadonlyMap<string, SourceStream>;
}

function encodeStream(id: string, stream: SourceStream, mode: SnapshotSecretMode): string {
  const { source } = stream;
  if (source === null) return JSON.stringify([id, stream.version, null]);
  // The source's own config prints its secrets as "***": the snapshot gets a plain copy.
  const config = sealSnapshotConfig(source.config, source.tenantId, source.sourceId, mode);
  return JSON.stringify([id, stream.version, { ...source, config }]);
}

/**
 * The write model as the bytes of a snapshot: UTF-8 JSON,
 * `{"format","position","streams":[[id, version, source | null], …]}`, each
 * source's secrets sealed (see snapshot-secrets.ts). The streams are read
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
  const parts: string[] = [];
  for (let i = 0; i < entries.length; i += STREAMS_PER_TURN) {
    if (i > 0) await nextTurn();
    for (const [id, stream] of entries.slice(i, i + STREAMS_PER_TURN)) {
      parts.push(encodeStream(id, stream, mode));
    }
  }
  const head = `{"format":${JSON.stringify(format)},"position":${position},"streams":[`;
  return { position, data: Buffer.from(`${head}${parts.join(',')}]}`, 'utf8') };
}

const snapshotSchema = z.strictObject({
  format: z.string(),
  position: z.number().int().min(0),
  streams: z.array(z.tuple([z.string().min(1), z.number().int().min(1), z.unknown()])),
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Why a snapshot cannot be used; the registry then replays the whole log. */
export function unusableSnapshot(why: string, cause?: unknown): DataSourceError {
  return new DataSourceError(`The snapshot cannot be used: ${why}`, {
    code: ErrorCode.CORRUPT_LOG,
    ...(cause === undefined ? {} : { cause }),
  });
}

function decodeSource(
  id: string,
  version: number,
  value: unknown,
  mode: SnapshotSecretMode,
): CustomerDataSource {
  if (!isRecord(value) || !isRecord(value.config)) {
    throw unusableSnapshot(`stream ${id} holds no source`);
  }
  const { tenantId } = value;
  const config = openSnapshotConfig(value.config, String(tenantId), id, mode);
  const parsed = customerDataSourceSchema.safeParse({ ...value, config });
  if (!parsed.success) {
    throw unusableSnapshot(`the source of stream ${id} is not valid: ${parsed.error.message}`);
  }
  const source = parsed.data;
  if (source.sourceId !== id || source.version !== version) {
    throw unusableSnapshot(`stream ${id} at version ${version} holds another source or version`);
  }
  // As the fold makes it: the config masks its secrets when printed, everything frozen.
  return deepFreeze({ ...source, config: maskWhenPrinted(deepFreeze(source.config)) });
}

/**
 * The write model a snapshot holds, checked through and through: the
 * format, the position, every stream and every source against the schemas
 * the fold produces, every secret opened (or withheld, read-only).
 *
 * @throws DataSourceError CORRUPT_LOG when the bytes are not such a snapshot
 *   of this format at this position; SECRET_UNAVAILABLE when a secret cannot
 *   be opened.
 */
export function decodeSnapshot(
  data: Uint8Array,
  expected: { readonly format: string; readonly position: number },
  mode: SnapshotSecretMode,
): SnapshotState {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (error) {
    throw unusableSnapshot('its bytes are not JSON', error);
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) throw unusableSnapshot(`it is malformed: ${parsed.error.message}`);
  const { format, position, streams: rows } = parsed.data;
  if (format !== expected.format || position !== expected.position) {
    throw unusableSnapshot(
      `it says format ${format} at position ${position}, its record ${expected.format} at ${expected.position}`,
    );
  }
  const streams = new Map<string, SourceStream>();
  for (const [id, version, value] of rows) {
    if (streams.has(id)) throw unusableSnapshot(`stream ${id} appears twice`);
    const source = value === null ? null : decodeSource(id, version, value, mode);
    streams.set(id, Object.freeze({ version, source }));
  }
  return { position, streams };
}
