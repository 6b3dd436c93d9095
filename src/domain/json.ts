import { z } from 'zod';
import { LIMITS } from './limits.js';

/**
 * A value JSON can carry exactly: what every event and snapshot is made of.
 * Readonly, as every value the registry hands out is frozen; a mutable value
 * is one too, so what a caller builds can be passed in.
 */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };
/** A JSON object: the shape of metadata, options and OAuth settings. */
export type JsonObject = { readonly [key: string]: JsonValue };

/** Where a value is wrong, and why. */
export interface JsonProblem {
  path: (string | number)[];
  message: string;
}

/** How big a JSON value may be: its JSON text in UTF-8 bytes, and its nesting. */
export interface JsonLimits {
  maxBytes: number;
  maxDepth: number;
}

/** The UTF-8 bytes of a string's JSON text, quotes and escapes included. */
function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0x22 || unit === 0x5c) bytes += 2;
    else if (unit < 0x20)
      bytes += unit === 8 || unit === 9 || unit === 10 || unit === 12 || unit === 13 ? 2 : 6;
    else if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** A plain object's own prototype; anything else is not JSON. */
const isPlainPrototype = (proto: unknown) => proto === Object.prototype || proto === null;

// Copying a "__proto__" key by assignment would set a prototype and drop the key without a word.
const keyProblem = (key: string): string | null =>
  key === '__proto__' ? '"__proto__" is not allowed as a key' : null;

// Text is not judged here: input text is checked when it is copied (copyInput),
// and a log written before that check existed must still be readable.
function primitiveProblem(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${value} is not a JSON number`;
    case 'boolean':
      return null;
    default:
      return `${typeof value} is not JSON`;
  }
}

/**
 * Why a value would not survive a trip through the log unchanged, or null:
 * only strings, finite numbers, booleans, null, arrays
 * and plain objects, within the limits. Walked with an explicit stack, so deep
 * nesting is a problem reported, never a stack overflow; the depth limit also
 * ends any cycle. Reads each property once and never calls a getter twice.
 */
export function jsonProblem(root: unknown, limits: JsonLimits): JsonProblem | null {
  const stack: { value: unknown; path: (string | number)[]; depth: number }[] = [
    { value: root, path: [], depth: 0 },
  ];
  let bytes = 0;
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as (typeof stack)[number];
    if (typeof value !== 'object' || value === null) {
      const problem = value === null ? null : primitiveProblem(value);
      if (problem !== null) return { path, message: problem };
      bytes += typeof value === 'string' ? jsonStringBytes(value) : String(value).length;
    } else {
      if (depth + 1 > limits.maxDepth) {
        return { path, message: `must not nest deeper than ${limits.maxDepth} levels` };
      }
      if (Array.isArray(value)) {
        bytes += 2 + Math.max(0, value.length - 1);
        for (let i = value.length - 1; i >= 0; i--) {
          stack.push({ value: value[i], path: [...path, i], depth: depth + 1 });
        }
      } else {
        if (!isPlainPrototype(Object.getPrototypeOf(value))) {
          return { path, message: 'must be a plain object' };
        }
        const keys = Object.keys(value);
        bytes += 2 + Math.max(0, keys.length - 1);
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i] as string;
          const problem = keyProblem(key);
          if (problem !== null) return { path: [...path, key], message: problem };
          bytes += jsonStringBytes(key) + 1;
          const child = (value as Record<string, unknown>)[key];
          if (child === undefined)
            return { path: [...path, key], message: 'undefined is not JSON' };
          stack.push({ value: child, path: [...path, key], depth: depth + 1 });
        }
      }
    }
    if (bytes > limits.maxBytes) {
      return { path: [], message: `must be at most ${limits.maxBytes} bytes as JSON` };
    }
  }
  return null;
}

const describe = (problem: JsonProblem | null) =>
  problem ? `${['$', ...problem.path].join('.')}: ${problem.message}` : 'valid';

function objectProblem(value: unknown, limits: JsonLimits): JsonProblem | null {
  return typeof value !== 'object' || value === null || Array.isArray(value)
    ? { path: [], message: 'must be an object' }
    : jsonProblem(value, limits);
}

/**
 * What the log holds: read back from a store, a value has no cycles, so the
 * limits only bound the walk; the input limits are far smaller.
 */
const STORED: JsonLimits = { maxBytes: Number.POSITIVE_INFINITY, maxDepth: 10_000 };

/**
 * A JSON value, checked in one plain walk rather than a recursive zod schema,
 * which keeps the event schema compilable: every event read from a store is
 * checked, and this is most of an event. Not copied: for values that are
 * already ours (read from a store).
 */
export const jsonValueSchema = z.custom<JsonValue>((value) => jsonProblem(value, STORED) === null, {
  error: (issue) => `must be JSON (${describe(jsonProblem(issue.input, STORED))})`,
});

/** A JSON object, checked as {@link jsonValueSchema}; not copied. */
export const jsonObjectSchema = z.custom<JsonObject>(
  (value) => objectProblem(value, STORED) === null,
  { error: (issue) => `must be a JSON object (${describe(objectProblem(issue.input, STORED))})` },
);

/**
 * A JSON object from a caller, within `maxBytes` of JSON text and the JSON
 * depth limit. It checks a value already copied by {@link copyInput} (every
 * command input is), so what it accepts is what the log will hold.
 */
export function jsonObjectInputSchema(maxBytes: number) {
  const limits: JsonLimits = { maxBytes, maxDepth: LIMITS.jsonDepth };
  return z.custom<JsonObject>().superRefine((value, ctx) => {
    const problem = objectProblem(value, limits);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  });
}

/** Structural equality of JSON values, key order ignored. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]));
}

/** An object that is not an array or null: what a JSON object is read as before its fields are checked. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
