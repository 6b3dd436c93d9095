import type { Readable } from 'node:stream';
import { z } from 'zod';
import { nameKey } from '../domain/data-source.js';
import { DataSourceError, ErrorCode, parseInput } from '../domain/errors.js';
import type { DataSourceEvent } from '../domain/events.js';
import { EVENT_UPCASTERS, upcastEvent } from '../domain/upcasters.js';
import { nameClaim } from '../registry/name-claims.js';
import { resolveEncryptionKey } from '../security/encryption-key.js';
import { createChainCheck } from '../store/chain.js';
import type {
  AppendRequest,
  EventStore,
  PendingEvent,
  StoredEvent,
  UniqueClaim,
} from '../store/event-store.js';
import { checkEvent, lineError, openSecrets, parseLine, type SecretOpener } from './check-line.js';
import { backupOpener, importDataKeys, readDataKeyBackup, refuseDataKeys } from './key-backup.js';
import { createLogTracker, type HeldName } from './log-tracker.js';
import { asFile, readLines } from './ndjson.js';

/** Events per append while writing, and between two progress calls while checking. */
const CHUNK_SIZE = 1000;

/** How far an import has come: first every line is checked, then the events are written. */
export interface ImportProgress {
  readonly phase: 'checking' | 'writing';
  /** Events checked, or written, so far. */
  readonly events: number;
  /** Every event of the input, once the check has counted them; null while checking. */
  readonly total: number | null;
}

/** What `importLog` is given. */
export interface ImportLogOptions {
  /** An empty store, as created (not a registry). */
  readonly store: EventStore;
  /** A file path, or a readable stream (copied to a private temporary file first). */
  readonly input: string | Readable;
  /**
   * The key the backup's secrets are sealed with (32 bytes or their base64),
   * else `DATASOURCE_REGISTRY_KEY`. With a key every secret is opened while
   * checking, so a backup under another key is refused before anything is
   * written. Needed when the store is not durable (memory), which keeps
   * secrets in plaintext.
   */
  readonly encryptionKey?: Uint8Array | string | undefined;
  /**
   * The key part of the backup (what `exportLog` wrote to `keysOutput`): a
   * file path or a readable stream. Needed for secrets sealed under tenants'
   * data keys; restored into the store before the events.
   */
  readonly keysInput?: string | Readable | undefined;
  /** Called every 1,000 events of each phase, and at the end of each. */
  readonly onProgress?: ((progress: ImportProgress) => void) | undefined;
}

/** What an import wrote. */
export interface ImportResult {
  readonly events: number;
}

const isReadable = (value: unknown): value is Readable =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Readable)[Symbol.asyncIterator] === 'function';

const optionsSchema = z.strictObject({
  store: z.custom<EventStore>(
    (value) => typeof value === 'object' && value !== null && 'append' in value,
    'an event store',
  ),
  input: z.union([z.string().min(1), z.custom<Readable>(isReadable, 'a readable stream')]),
  encryptionKey: z.union([z.instanceof(Uint8Array), z.string()]).optional(),
  keysInput: z
    .union([z.string().min(1), z.custom<Readable>(isReadable, 'a readable stream')])
    .optional(),
  onProgress: z
    .custom<(progress: ImportProgress) => void>((value) => typeof value === 'function')
    .optional(),
});

async function refuseUnlessEmpty(store: EventStore): Promise<void> {
  const head = await store.head();
  if (head > 0) {
    throw new DataSourceError(
      `The ${store.kind} store is not empty (its head is at position ${head}): an import fills an empty store only`,
      { code: ErrorCode.FORBIDDEN, details: { head } },
    );
  }
}

/**
 * Fills an empty store with a log exported by `exportLog({ mode: 'backup' })`,
 * all or nothing. Every line is checked first (JSON, the envelope, the
 * event's schema once raised to the current version, positions strictly
 * increasing, stream versions consecutive, events only on a live source,
 * names unique per tenant, secrets sealed and, with a key, opening, the hash
 * chain unbroken from the first line: each line's `hash` over its content as
 * written and the hash of the line before; lines without one only at the
 * end), and
 * nothing is written unless every line passes. Then the events are written
 * in order, 1,000 per append, with the name claims the registry would have
 * left. Positions are given by the store: events keep their order, ids,
 * stream versions, time and metadata.
 *
 * The input is read twice, a line at a time (a stream is first copied to a
 * temporary file), so memory grows with the number of sources, not of events.
 *
 * @throws DataSourceError INVALID_INPUT for options that are not as typed;
 *   FORBIDDEN when the store is not empty (no events; with `keysInput`, no
 *   data keys either), or the input is an audit export
 *   (its secrets are `"***"`); CORRUPT_LOG naming the line (`details.line`)
 *   for a line that fails a check; SECRET_UNAVAILABLE when a secret does not
 *   open with the key, or the store is not durable and no key is set;
 *   STORE_ERROR when the store fails. A failure while writing (the store
 *   failed, or another writer appended meanwhile) leaves the events written
 *   before it: its message says how many, and the store must be emptied
 *   before importing again.
 */
export async function importLog(options: ImportLogOptions): Promise<ImportResult> {
  const { store, input, encryptionKey, keysInput, onProgress } = parseInput(
    optionsSchema,
    options,
    'import options',
  );
  const key = resolveEncryptionKey(encryptionKey, process.env);
  await refuseUnlessEmpty(store);
  const keys = keysInput === undefined ? [] : await readDataKeyBackup(keysInput);
  // Refused before the long check: a store holding keys would keep its own for a tenant.
  if (store.durable) await refuseDataKeys(store, keys);
  const opener = key === null ? null : await backupOpener(key, keys);
  const file = await asFile(input);
  try {
    const total = await checkAll(file.path, store, opener, onProgress);
    await refuseUnlessEmpty(store);
    // The keys go first: a reader of the restored store finds each secret's key.
    if (store.durable) await importDataKeys(store, keys);
    await writeAll(file.path, store, opener, total, onProgress);
    return { events: total };
  } finally {
    await file.dispose();
  }
}

async function checkAll(
  path: string,
  store: EventStore,
  opener: SecretOpener | null,
  onProgress: ImportLogOptions['onProgress'],
): Promise<number> {
  const tracker = createLogTracker();
  const chain = createChainCheck();
  let events = 0;
  for await (const { line, text } of readLines(path)) {
    const parsed = parseLine(line, text);
    const event = checkEvent(line, parsed, opener, !store.durable);
    const problem = tracker.accept(event);
    if (problem !== null) {
      throw lineError(line, ErrorCode.CORRUPT_LOG, problem, {
        sourceId: event.sourceId,
        details: { position: event.position, eventId: event.eventId },
      });
    }
    // Checked on the line as written (secrets sealed), once the line makes sense as an event of the log.
    const broken = chain.accept([parsed]);
    if (broken !== null) {
      throw lineError(line, ErrorCode.CORRUPT_LOG, `the hash chain breaks here: ${broken.reason}`, {
        sourceId: event.sourceId,
        details: { position: broken.position, eventId: event.eventId, reason: broken.reason },
      });
    }
    events += 1;
    if (events % CHUNK_SIZE === 0) onProgress?.({ phase: 'checking', events, total: null });
  }
  onProgress?.({ phase: 'checking', events, total: null });
  return events;
}

async function writeAll(
  path: string,
  store: EventStore,
  opener: SecretOpener | null,
  total: number,
  onProgress: ImportLogOptions['onProgress'],
): Promise<void> {
  const tracker = createLogTracker();
  const versions = new Map<string, number>();
  let chunk: { line: number; event: StoredEvent }[] = [];
  let written = 0;

  async function flush(): Promise<void> {
    if (chunk.length === 0) return;
    const request = appendRequest(chunk, tracker, versions, store.durable ? null : opener);
    try {
      await store.append(request);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DataSourceError(
        `Import stopped after writing ${written} of ${total} events: ${reason}. The store holds those ${written} events: empty it before importing again`,
        {
          code: error instanceof DataSourceError ? error.code : ErrorCode.STORE_ERROR,
          details: { written, total },
          cause: error,
        },
      );
    }
    written += chunk.length;
    chunk = [];
    onProgress?.({ phase: 'writing', events: written, total });
  }

  for await (const { line, text } of readLines(path)) {
    chunk.push({ line, event: parseLine(line, text) });
    if (chunk.length === CHUNK_SIZE) await flush();
  }
  await flush();
  if (written === 0) onProgress?.({ phase: 'writing', events: 0, total });
}

/**
 * One append for a chunk of checked events: each stream expected at the
 * version the chunk found it, and the names the chunk changed released and
 * claimed as the registry would have (releases go first, so a name passed
 * from one source to another within the chunk moves).
 */
function appendRequest(
  chunk: readonly { line: number; event: StoredEvent }[],
  tracker: ReturnType<typeof createLogTracker>,
  versions: Map<string, number>,
  opener: SecretOpener | null,
): AppendRequest {
  const expectedVersions: Record<string, number> = {};
  const namesBefore = new Map<string, HeldName | null>();
  const events: PendingEvent[] = [];
  for (const { line, event } of chunk) {
    if (!namesBefore.has(event.sourceId)) {
      namesBefore.set(event.sourceId, tracker.heldName(event.sourceId));
      expectedVersions[event.sourceId] = versions.get(event.sourceId) ?? 0;
    }
    // Checked whole already: taken in again only to follow the names.
    tracker.accept(upcastEvent(event, EVENT_UPCASTERS) as unknown as DataSourceEvent);
    versions.set(event.sourceId, event.streamVersion);
    // The target store chains the events anew, at the positions it gives them.
    const {
      position: _position,
      hash: _hash,
      ...pending
    } = opener === null ? event : openSecrets(line, event, opener);
    events.push(pending);
  }
  const claims: UniqueClaim[] = [];
  const releases: UniqueClaim[] = [];
  for (const [sourceId, before] of namesBefore) {
    const after = tracker.heldName(sourceId);
    const same = before !== null && after !== null && nameKey(before.name) === nameKey(after.name);
    if (same) continue;
    if (before !== null) releases.push(nameClaim(before.tenantId, before.name, sourceId));
    if (after !== null) claims.push(nameClaim(after.tenantId, after.name, sourceId));
  }
  return { events, expectedVersions, claims, releases };
}
