/** What `close()` waits for: every operation accepted and not yet settled. */
import { describe, expect, it } from 'vitest';
import { createInFlight } from '../../src/registry/in-flight.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the operations in flight', () => {
  it('are settled only once every tracked operation has settled', async () => {
    const inFlight = createInFlight();
    let finish: (value: string) => void = () => {};
    const operation = inFlight.track(new Promise<string>((resolve) => (finish = resolve)));
    let settled = false;
    const waiting = inFlight.settled().then(() => (settled = true));

    await tick();
    expect(settled).toBe(false);
    finish('done');
    await waiting;
    expect(settled).toBe(true);
    await expect(operation).resolves.toBe('done');
  });

  it('count an operation that fails as settled, and hand its failure on unchanged', async () => {
    const inFlight = createInFlight();
    const failure = new Error('store gone');
    const operation = inFlight.track(Promise.reject(failure));
    await expect(inFlight.settled()).resolves.toBeUndefined();
    await expect(operation).rejects.toBe(failure);
  });

  it('leave out what was tracked after settled() was asked', async () => {
    const inFlight = createInFlight();
    const waiting = inFlight.settled();
    inFlight.track(new Promise(() => {}));
    await expect(waiting).resolves.toBeUndefined();
  });
});
