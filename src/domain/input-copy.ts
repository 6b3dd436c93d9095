import { z } from 'zod';
import type { JsonProblem } from './json.js';
import { LIMITS } from './limits.js';
import { isMaskedWhenPrinted } from './secret-display.js';
import { textProblem } from './text.js';

/**
 * The bounds of any one command input as a whole, before its fields are held
 * to their own limits: they keep a hostile value (a cycle, a shared subtree
 * repeated a million times, a sparse array of length 2^32 - 1) from costing
 * more than a copy of about this size.
 */
const INPUT_BYTES = 1 << 20;
const INPUT_DEPTH = LIMITS.jsonDepth + 4;

interface Frame {
  readonly source: object;
  readonly target: unknown[] | Record<string, unknown>;
  readonly path: (string | number)[];
  readonly depth: number;
  readonly parent: Frame | null;
}

class InputProblem {
  constructor(readonly problem: JsonProblem) {}
}

const fail = (path: (string | number)[], message: string): never => {
  throw new InputProblem({ path, message });
};

/**
 * A copy of a caller's input made only of strings, numbers, booleans, null,
 * undefined (as an object's value), arrays and plain objects, or the first
 * problem found. Each own enumerable string-keyed property is read exactly
 * once, so a getter cannot show the check one value and the log another;
 * symbol-keyed properties are ignored, as JSON has no place for them. A
 * throwing getter or proxy trap, a cycle, a class instance, a bigint, text
 * that is not well-formed or holds NUL, a non-finite number and a "__proto__"
 * key are problems; -0 becomes 0, as JSON would write it. Walked with an
 * explicit stack, so depth is a problem reported, never a stack overflow.
 */
export function copyInput(root: unknown): { value: unknown } | { problem: JsonProblem } {
  const stack: Frame[] = [];
  let bytes = 0;
  let where: (string | number)[] = [];

  function copyValue(
    value: unknown,
    path: (string | number)[],
    parent: Frame | null,
    inArray: boolean,
  ): unknown {
    where = path;
    switch (typeof value) {
      case 'string': {
        const problem = textProblem(value);
        if (problem !== null) fail(path, problem);
        bytes += value.length + 2;
        return value;
      }
      case 'number':
        if (!Number.isFinite(value)) fail(path, `${value} is not a finite number`);
        bytes += 8;
        return value === 0 ? 0 : value;
      case 'boolean':
        bytes += 4;
        return value;
      case 'undefined':
        if (inArray) fail(path, 'undefined is not allowed in an array');
        return undefined;
      case 'object':
        break;
      default:
        return fail(path, `a ${typeof value} is not accepted`);
    }
    if (value === null) {
      bytes += 4;
      return null;
    }
    for (let frame = parent; frame !== null; frame = frame.parent) {
      if (frame.source === value) fail(path, 'refers to itself (a cycle)');
    }
    const depth = (parent?.depth ?? 0) + 1;
    if (depth > INPUT_DEPTH) fail(path, `must not nest deeper than ${INPUT_DEPTH} levels`);
    const isArray = Array.isArray(value);
    const proto: unknown = Object.getPrototypeOf(value);
    // A config handed out by this library masks its secrets when printed; its
    // prototype adds only that, so it is read like the plain object it stands for.
    const plain = proto === Object.prototype || proto === null || isMaskedWhenPrinted(value);
    if (isArray ? proto !== Array.prototype : !plain) {
      fail(path, isArray ? 'must be a plain array' : 'must be a plain object or array');
    }
    const target = isArray ? [] : {};
    stack.push({ source: value, target, path, depth, parent });
    bytes += 2;
    return target;
  }

  function fill(frame: Frame) {
    where = frame.path;
    if (Array.isArray(frame.target)) {
      const source = frame.source as unknown[];
      const length = source.length;
      if (length > INPUT_BYTES) fail(frame.path, 'is too large');
      for (let i = 0; i < length; i++) {
        where = [...frame.path, i];
        frame.target.push(copyValue(source[i], where, frame, true));
        bytes += 1;
        if (bytes > INPUT_BYTES) fail(frame.path, 'is too large');
      }
      return;
    }
    const source = frame.source as Record<string, unknown>;
    const target = frame.target;
    for (const key of Object.keys(source)) {
      where = [...frame.path, key];
      if (key === '__proto__') {
        // Assigning it would set the copy's prototype and drop the key without a word.
        fail(where, '"__proto__" is not allowed as a key');
      }
      const problem = textProblem(key);
      if (problem !== null) fail(where, `key ${problem}`);
      target[key] = copyValue(source[key], where, frame, false);
      bytes += key.length + 4;
      if (bytes > INPUT_BYTES) fail(frame.path, 'is too large');
    }
  }

  try {
    const value = copyValue(root, [], null, false);
    for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) fill(frame);
    return { value };
  } catch (error) {
    if (error instanceof InputProblem) return { problem: error.problem };
    // A getter or proxy trap threw; what it threw is the caller's, not shown.
    return { problem: { path: where, message: 'could not be read (a getter or proxy threw)' } };
  }
}

/**
 * The schema run on a copy of the input ({@link copyInput}) rather than on the
 * caller's object: what is checked is exactly what is kept.
 */
export function copiedInput<S extends z.ZodType>(schema: S) {
  return z.preprocess<unknown, S, z.input<S>>((value, ctx) => {
    const copy = copyInput(value);
    if ('value' in copy) return copy.value;
    ctx.addIssue({ code: 'custom', path: copy.problem.path, message: copy.problem.message });
    return z.NEVER;
  }, schema);
}
