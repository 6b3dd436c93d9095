import { freeze } from 'immer';

/** Freezes a value and everything inside it, so a snapshot can never change later. */
export function deepFreeze<T>(value: T): T {
  return freeze(value, true);
}
