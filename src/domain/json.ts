import { z } from 'zod';

/** A value JSON can carry exactly: what every event and snapshot is made of. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

const isPlainObject = (value: object) => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

interface JsonProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Why a value would not survive a trip through the log unchanged, or null.
 * A "__proto__" key is refused: copying it by assignment would set a
 * prototype and drop the key without a word.
 */
function jsonProblem(value: unknown, path: (string | number)[] = []): JsonProblem | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : { path, message: `${value} is not a JSON number` };
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const problem = jsonProblem(value[i], [...path, i]);
          if (problem) return problem;
        }
        return null;
      }
      if (!isPlainObject(value)) {
        return { path, message: `a ${value.constructor?.name ?? 'non-plain object'} is not JSON` };
      }
      if (Object.hasOwn(value, '__proto__')) {
        return { path, message: '"__proto__" is not allowed as a key' };
      }
      for (const key of Object.keys(value)) {
        const problem = jsonProblem((value as Record<string, unknown>)[key], [...path, key]);
        if (problem) return problem;
      }
      return null;
    }
    default:
      return { path, message: `${typeof value} is not JSON` };
  }
}

const describe = (problem: JsonProblem | null) =>
  problem ? `${['$', ...problem.path].join('.')}: ${problem.message}` : 'valid';

function objectProblem(value: unknown): JsonProblem | null {
  return typeof value !== 'object' || value === null || Array.isArray(value)
    ? { path: [], message: 'must be an object' }
    : jsonProblem(value);
}

/**
 * A JSON value, checked in one plain walk rather than a recursive zod schema,
 * which keeps the event schema compilable: every event read from a store is
 * checked, and this is most of an event. Not copied: for values that are
 * already ours (read from a store).
 */
export const jsonValueSchema = z.custom<JsonValue>((value) => jsonProblem(value) === null, {
  error: (issue) => `must be JSON (${describe(jsonProblem(issue.input))})`,
});

/** A JSON object, checked as {@link jsonValueSchema}; not copied. */
export const jsonObjectSchema = z.custom<JsonObject>((value) => objectProblem(value) === null, {
  error: (issue) => `must be a JSON object (${describe(objectProblem(issue.input))})`,
});

/**
 * A JSON object from a caller: checked, then copied, so freezing it into an
 * event never freezes the caller's own object.
 */
export const jsonObjectInputSchema = z
  .custom<JsonObject>()
  .superRefine((value, ctx) => {
    // Callers get the path of the bad value; the cost of that is paid on input only.
    const problem = objectProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  })
  .transform((value): JsonObject => structuredClone(value));

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
