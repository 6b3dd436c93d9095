import * as nodeCrypto from 'node:crypto';
import type { PendingEvent } from './event-store.js';

/**
 * The hash chain over the log: every event's hash covers its content as
 * stored (secrets as ciphertext) and the hash of the event before it in
 * position order, so changing, removing, reordering or inserting an event
 * breaks the chain from there on. Pure functions: every store, the registry's
 * check on open, `verifyLog` and `importLog` use the same ones.
 */

/** The hash "before" the first event of a log: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** Where a run of events starts: the position and hash of the event just before it. */
export interface ChainLink {
  readonly position: number;
  readonly hash: string;
}

/** The start of every log: nothing before position 1. */
export const GENESIS_LINK: ChainLink = Object.freeze({ position: 0, hash: GENESIS_HASH });

/** What the chain covers of an event: its envelope and content, as stored, with its position. */
export type ChainedContent = PendingEvent & { readonly position: number };

/**
 * JSON with object keys sorted (by UTF-16 code units, as RFC 8785) and
 * numbers and strings as `JSON.stringify` writes them: the same text for the
 * same value whichever store kept it, whatever order its keys were written
 * in or however its numbers were spelled.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return canonicalPrimitive(value);
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  // Loops rather than map/filter/join: this runs for every event a registry opens on.
  const keys = Object.keys(record).sort();
  let text = '{';
  for (const key of keys) {
    const item = record[key];
    if (item === undefined) continue;
    text += `${text.length > 1 ? ',' : ''}${canonicalPrimitive(key)}:${canonicalJson(item)}`;
  }
  return `${text}}`;
}

/** True when `JSON.stringify` would escape something in the text: a quote, a backslash, a control character or a surrogate (lone ones are escaped). */
function needsEscape(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20 || unit === 0x22 || unit === 0x5c || (unit >= 0xd800 && unit <= 0xdfff)) {
      return true;
    }
  }
  return false;
}

/**
 * `JSON.stringify(value) ?? 'null'` for a value that is not an object, by a
 * shorter way for the strings and numbers that make up most of an event:
 * a string with nothing to escape is itself in quotes, a finite number its
 * own text (as JSON writes it, -0 as 0), any other number null.
 */
function canonicalPrimitive(value: unknown): string {
  if (typeof value === 'string') return needsEscape(value) ? JSON.stringify(value) : `"${value}"`;
  if (typeof value === 'number') return Number.isFinite(value) ? `${value}` : 'null';
  return JSON.stringify(value) ?? 'null';
}

/**
 * An event's envelope as a fresh object, in the log's fixed order: position,
 * eventId, type, schemaVersion, sourceId, tenantId, streamVersion,
 * occurredAt, data, metadata. What the chain hashes and an export line holds.
 */
export function envelopeInOrder(event: ChainedContent) {
  return {
    position: event.position,
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    sourceId: event.sourceId,
    tenantId: event.tenantId,
    streamVersion: event.streamVersion,
    occurredAt: event.occurredAt,
    data: event.data ?? null,
    metadata: event.metadata,
  };
}

/**
 * The hash of an event after `previousHash`: SHA-256, as lowercase hex, of
 * the previous hash, a newline, and the canonical JSON of its envelope
 * ({@link envelopeInOrder}).
 */
export function eventHash(previousHash: string, event: ChainedContent): string {
  return sha256Hex(`${previousHash}\n${canonicalEnvelope(event)}`);
}

/**
 * `canonicalJson(envelopeInOrder(event))`, written without the intermediate
 * object or the sort: the envelope's keys are fixed, so their sorted order
 * is too. Every store hashes each event it appends, so this runs once per
 * event written as well as once per event checked.
 */
export function canonicalEnvelope(event: ChainedContent): string {
  // The keys in sorted order (by UTF-16 code units, as canonicalJson sorts them).
  return (
    `{"data":${canonicalJson(event.data ?? null)}` +
    member('eventId', event.eventId) +
    member('metadata', event.metadata) +
    member('occurredAt', event.occurredAt) +
    member('position', event.position) +
    member('schemaVersion', event.schemaVersion) +
    member('sourceId', event.sourceId) +
    member('streamVersion', event.streamVersion) +
    member('tenantId', event.tenantId) +
    member('type', event.type) +
    '}'
  );
}

/** One member after the first, left out when undefined as canonicalJson leaves it out; the keys need no escaping. */
const member = (key: string, value: unknown) =>
  value === undefined ? '' : `,"${key}":${canonicalJson(value)}`;

// `crypto.hash` (Node 20.12) hashes a string in one call, about twice as fast
// as a Hash object for a short text; older Node 20 releases lack it.
const oneShot = (nodeCrypto as { hash?: typeof nodeCrypto.hash }).hash;

function sha256Hex(text: string): string {
  if (oneShot !== undefined) return oneShot('sha256', text, 'hex');
  return nodeCrypto.createHash('sha256').update(text).digest('hex');
}

/** An event as the chain check reads it: its content and the hash it carries (absent when not sealed yet). */
export type ChainedEvent = ChainedContent & { readonly hash?: string | undefined };

/** Where a check of the chain found it broken. */
export interface ChainBreak {
  readonly position: number;
  readonly reason: string;
}

/**
 * Follows the chain over consecutive runs of the log. An event without a
 * hash is one not sealed yet (PostgreSQL seals after commit): it and every
 * event after it are counted as the unsealed tail, and a sealed event after
 * it is a break, since sealing goes in position order.
 */
export interface ChainCheck {
  /** The first break in `events` (which continue the events accepted so far), or null. */
  accept(events: readonly ChainedEvent[]): ChainBreak | null;
  /** The last sealed event accepted: what the next run chains from, and what to anchor outside. */
  readonly head: ChainLink;
  /** Sealed events accepted so far. */
  readonly checked: number;
  /** Events accepted without a hash, all after `head`. */
  readonly unsealed: number;
}

/**
 * A check of the chain starting after `start` (the genesis link for the
 * whole log, or a position and hash known good, such as a snapshot's).
 */
export function createChainCheck(start: ChainLink = GENESIS_LINK): ChainCheck {
  let head = start;
  let last = start.position;
  let checked = 0;
  let unsealed = 0;

  function next(event: ChainedEvent): ChainBreak | null {
    const { position } = event;
    if (!(position > last)) {
      return { position, reason: `position ${position} does not follow position ${last}` };
    }
    if (event.hash === undefined) {
      unsealed += 1;
      last = position;
      return null;
    }
    if (unsealed > 0) {
      return {
        position,
        reason: `it is sealed, but ${unsealed} event(s) before it, after position ${head.position}, are not`,
      };
    }
    const expected = eventHash(head.hash, event);
    if (expected !== event.hash) {
      return {
        position,
        reason:
          head.position === 0
            ? 'its hash does not match its content as the first event of the log'
            : `its hash does not match its content and the hash of the event before it (position ${head.position}); it was changed, or an event before it was changed, removed or inserted`,
      };
    }
    head = { position, hash: event.hash };
    last = position;
    checked += 1;
    return null;
  }

  return {
    accept(events) {
      for (const event of events) {
        const found = next(event);
        if (found !== null) return found;
      }
      return null;
    },
    get head() {
      return head;
    },
    get checked() {
      return checked;
    },
    get unsealed() {
      return unsealed;
    },
  };
}

/** Hashes a run of new events after `previous`, in order: what a store that appends serially does. */
export function chainEvents<E extends ChainedContent>(
  previous: string,
  events: readonly E[],
): (E & { readonly hash: string })[] {
  let hash = previous;
  return events.map((event) => {
    hash = eventHash(hash, event);
    return { ...event, hash };
  });
}
