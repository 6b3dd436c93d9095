import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/**
 * Monotonic ULIDs whose random part is drawn from a pool of crypto-random
 * bytes refilled 4 KiB at a time: the default PRNG asks the system for one
 * byte per character, which dominated the cost of a command.
 */
export function createUlidFactory(): () => string {
  const pool = new Uint8Array(4096);
  let next = pool.length;
  return monotonicFactory(() => {
    if (next === pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    return (pool[next++] as number) / 256;
  });
}
