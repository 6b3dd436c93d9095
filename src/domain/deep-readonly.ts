import type { JsonObject, JsonValue } from './json.js';

// True only when A and B are the same type, not merely assignable one way.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * `T` with every property and array readonly, all the way down: the type of a
 * value the registry hands out deeply frozen, so code that would change it
 * fails to compile instead of throwing at run time. JSON values are readonly
 * already and are left as they are, so their names stay in messages and
 * declarations instead of being unrolled.
 */
export type DeepReadonly<T> =
  Same<T, JsonObject> extends true
    ? JsonObject
    : Same<T, JsonValue> extends true
      ? JsonValue
      : T extends (...args: never[]) => unknown
        ? T
        : T extends readonly (infer Item)[]
          ? readonly DeepReadonly<Item>[]
          : T extends object
            ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
            : T;
