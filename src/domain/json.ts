import { z } from 'zod';

/**
 * Values that survive a trip through the log unchanged. Everything kept in an
 * event must be one, or a replay would not give back the same state.
 */
export const jsonObjectSchema = z.preprocess(
  (value, ctx) => {
    // zod copies records by assignment, which would turn a "__proto__" key into
    // the copy's prototype and drop it without a word: refuse it instead.
    if (hasProtoKey(value)) {
      ctx.issues.push({
        code: 'custom',
        message: '"__proto__" is not allowed as a key',
        input: value,
      });
    }
    return value;
  },
  z.record(z.string(), z.json()),
);
export type JsonObject = z.infer<typeof jsonObjectSchema>;

function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Object.hasOwn(value, '__proto__')) return true;
  return Object.values(value).some(hasProtoKey);
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
