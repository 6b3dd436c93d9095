import { describe, expect, it } from 'vitest';
import { createKeyedLock } from '../../src/registry/keyed-lock.js';

/** A promise with its resolve, to hold a task until the test lets it go. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('the keyed lock', () => {
  it('runs tasks on one key one at a time, in the order they asked', async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    const first = gate();
    const a = lock.run(['k'], async () => {
      order.push('a start');
      await first.opened;
      order.push('a end');
    });
    const b = lock.run(['k'], async () => {
      order.push('b');
    });
    const c = lock.run(['k'], async () => {
      order.push('c');
    });
    await Promise.resolve();
    expect(order).toEqual(['a start']);
    first.open();
    await Promise.all([a, b, c]);
    expect(order).toEqual(['a start', 'a end', 'b', 'c']);
  });

  it('starts a task on several keys only once every one of them is free', async () => {
    const lock = createKeyedLock();
    const x = gate();
    const y = gate();
    let started = false;
    const onX = lock.run(['x'], () => x.opened);
    const onY = lock.run(['y'], () => y.opened);
    const both = lock.run(['x', 'y'], async () => {
      started = true;
    });
    x.open();
    await onX;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(started).toBe(false);
    y.open();
    await Promise.all([onY, both]);
    expect(started).toBe(true);
  });

  it('frees a key after a task that failed, and after one that threw before returning', async () => {
    const lock = createKeyedLock();
    await expect(lock.run(['k'], () => Promise.reject(new Error('rejected')))).rejects.toThrow(
      'rejected',
    );
    await expect(
      lock.run(['k'], () => {
        throw new Error('thrown');
      }),
    ).rejects.toThrow('thrown');
    await expect(lock.run(['k'], async () => 'ran')).resolves.toBe('ran');
  });

  it('keeps the waiters of one key apart from those of another after both were held alone', async () => {
    const lock = createKeyedLock();
    // Each key held with no one waiting first, then queued on: their queues must not be shared.
    const p = gate();
    const q = gate();
    const order: string[] = [];
    const heldP = lock.run(['p'], () => p.opened);
    const heldQ = lock.run(['q'], () => q.opened);
    const afterP = lock.run(['p'], async () => {
      order.push('after p');
    });
    const afterQ = lock.run(['q'], async () => {
      order.push('after q');
    });
    q.open();
    await Promise.all([heldQ, afterQ]);
    expect(order).toEqual(['after q']);
    p.open();
    await Promise.all([heldP, afterP]);
    expect(order).toEqual(['after q', 'after p']);
  });
});
