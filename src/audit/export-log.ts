import type { Writable } from 'node:stream';
import { z } from 'zod';
import { DataSourceError, ErrorCode, parseInput } from '../domain/errors.js';
import { PURGED_SECRET } from '../domain/secrets.js';
import { isSealedValue, SEALED_KEY, sealedTokens } from '../security/event-secrets.js';
import { redactEvent } from '../security/redact.js';
import { mapEventSecrets } from '../security/secret-paths.js';
import { createDestroyedKeys, dataKeyIdOf } from '../security/tenant-keys.js';
import { envelopeInOrder } from '../store/chain.js';
import type { EventStore, StoredEvent } from '../store/event-store.js';
import { exportDataKeys } from './key-backup.js';
import { openLineSink } from './ndjson.js';
import { plaintextSecrets } from './secret-forms.js';

/** Events read from the store at a time: what an export holds in memory. */
const PAGE_SIZE = 1000;

/** How far an export has come. */
export interface ExportProgress {
  /** Events written so far. */
  readonly events: number;
  /** The position of the last event written. */
  readonly position: number;
  /** The position the export runs to: the store's head when it began. */
  readonly head: number;
}

/** What `exportLog` is given. */
export interface ExportLogOptions {
  /** The store to read, as created (not a registry): a durable store's secrets are read as it holds them. */
  readonly store: EventStore;
  /** A file path (created or replaced, mode 0600), or a writable stream, left open. */
  readonly output: string | Writable;
  /**
   * `'audit'`: every secret as `"***"`, as listeners see events; for reading
   * and handing on, not for restoring. `'backup'`: secrets as the durable
   * store holds them (sealed ciphertext), restorable with `importLog` and
   * the same key.
   */
  readonly mode: 'audit' | 'backup';
  /**
   * Where a backup writes the second part of itself: the tenants' data keys,
   * wrapped under the master key (a file path, created or replaced with mode
   * 0600, or a writable stream, left open). Keep it apart from the events:
   * a restore needs both, and the events alone never open a secret. Only
   * with mode `'backup'`.
   */
  readonly keysOutput?: string | Writable | undefined;
  /** Called after each page of events is written. */
  readonly onProgress?: ((progress: ExportProgress) => void) | undefined;
}

/** What an export wrote. */
export interface ExportResult {
  readonly events: number;
  /** The position of the last event written; 0 for an empty log. */
  readonly position: number;
  /** How many data keys were written to `keysOutput` (0 without it). */
  readonly dataKeys: number;
}

const isWritable = (value: unknown): value is Writable =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Writable).write === 'function' &&
  typeof (value as Writable).once === 'function';

const optionsSchema = z.strictObject({
  store: z.custom<EventStore>(
    (value) => typeof value === 'object' && value !== null && 'readAll' in value,
    'an event store',
  ),
  output: z.union([z.string().min(1), z.custom<Writable>(isWritable, 'a writable stream')]),
  mode: z.enum(['audit', 'backup']),
  keysOutput: z
    .union([z.string().min(1), z.custom<Writable>(isWritable, 'a writable stream')])
    .optional(),
  onProgress: z
    .custom<(progress: ExportProgress) => void>((value) => typeof value === 'function')
    .optional(),
});

/**
 * One event as a line: the envelope in a fixed order, whatever order the
 * store built it in, then the event's chain hash (left out while unsealed).
 */
export function eventLine(event: StoredEvent): string {
  return `${JSON.stringify({ ...envelopeInOrder(event), hash: event.hash })}\n`;
}

/**
 * Writes the log as NDJSON, one event per line in position order, up to the
 * store's head when the export began (events appended meanwhile are left for
 * the next export). Events are written as stored, each with its own
 * `schemaVersion`. Streams: the store is read a page at a time and a page is
 * written only when the output has taken the one before, so memory stays
 * flat whatever the size of the log.
 *
 * @throws DataSourceError INVALID_INPUT for options that are not as typed;
 *   FORBIDDEN for a backup of a store that is not durable (it keeps secrets
 *   in plaintext, which a backup must never hold); CORRUPT_LOG when a
 *   backup meets a secret the store holds in plaintext; STORE_ERROR when
 *   the store fails. An output file is removed when the export fails.
 *   With `keysOutput`, the data keys are written after the events.
 */
export async function exportLog(options: ExportLogOptions): Promise<ExportResult> {
  const { store, output, mode, keysOutput, onProgress } = parseInput(
    optionsSchema,
    options,
    'export options',
  );
  if (keysOutput !== undefined && mode !== 'backup') {
    throw new DataSourceError(
      'keysOutput is for a backup: an audit export holds no secret to open',
      {
        code: ErrorCode.INVALID_INPUT,
        details: { issues: [{ path: 'keysOutput', message: "only with mode 'backup'" }] },
      },
    );
  }
  if (mode === 'backup' && !store.durable) {
    throw new DataSourceError(
      `A backup of the ${store.kind} store would hold its secrets in plaintext: export it with mode 'audit', or keep the log in a durable store`,
      { code: ErrorCode.FORBIDDEN, details: { store: store.kind, mode } },
    );
  }
  // A store that seals after commit seals first, so the lines carry their hashes.
  await store.seal?.();
  const head = await store.head();
  const destroyedKeys = createDestroyedKeys(store);
  const sink = openLineSink(output);
  let events = 0;
  let position = 0;
  try {
    while (position < head) {
      const page = await store.readAll({ after: position, limit: PAGE_SIZE });
      const inRange = page.filter((event) => event.position <= head);
      if (inRange.length === 0) break;
      const destroyed = mode === 'audit' ? await destroyedKeys(sealedTokens(inRange)) : null;
      let text = '';
      for (const event of inRange) {
        if (mode === 'backup') refusePlaintext(event);
        text += eventLine(destroyed === null ? event : auditForm(event, destroyed));
      }
      await sink.write(text);
      events += inRange.length;
      position = inRange[inRange.length - 1]?.position ?? position;
      onProgress?.({ events, position, head });
    }
    await sink.close();
  } catch (error) {
    await sink.abort();
    throw error;
  }
  // Read after the events: a key created meanwhile is there for every event exported.
  const dataKeys = keysOutput === undefined ? 0 : await exportDataKeys(store, keysOutput);
  return { events, position, dataKeys };
}

/** An event as an audit export shows it: secrets `"***"`, a purged tenant's `"<purged>"`. */
function auditForm(event: StoredEvent, destroyed: ReadonlySet<string>): StoredEvent {
  const marked = mapEventSecrets(event, (value) => {
    if (!isSealedValue(value)) return value;
    const keyId = dataKeyIdOf(value[SEALED_KEY]);
    return keyId !== null && destroyed.has(keyId) ? PURGED_SECRET : value;
  });
  return redactEvent(marked);
}

/** A backup holds ciphertext only: a secret stored in plaintext is a damaged log, not a thing to copy. */
function refusePlaintext(event: StoredEvent): void {
  const plain = plaintextSecrets(event);
  if (plain.length > 0) {
    throw new DataSourceError(
      `Event at position ${event.position}: ${plain.join(', ')} of data source ${event.sourceId} is stored in plaintext, not encrypted; a backup would disclose it`,
      {
        code: ErrorCode.CORRUPT_LOG,
        sourceId: event.sourceId,
        details: { position: event.position, eventId: event.eventId, paths: plain },
      },
    );
  }
}
