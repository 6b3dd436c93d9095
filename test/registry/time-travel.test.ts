/**
 * `registry.at(position | Date)`: the registry as it was at a point of its
 * log, folded from the log by the same code as the registry itself, on
 * every store.
 */
import { expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { plainJson } from '../support/plain.js';
import {
  databaseInput,
  failsWith,
  isDeeplyFrozen,
  PLAINTEXT_PASSWORD,
  snapshotOf,
} from '../support/registry-fixtures.js';
import { describeEachStore, type StoreHarness } from '../support/store-matrix.js';

/** A short history: registered, activated, renamed, a second source, the first deleted. */
async function history(harness: StoreHarness) {
  const fixture = await harness.createRegistry();
  const { registry, clock } = fixture;
  const snapshots: { position: number; time: Date; snapshot: string }[] = [];
  const record = () =>
    snapshots.push({ position: registry.position, time: clock(), snapshot: snapshotOf(registry) });
  record();
  clock.advance(60_000);
  const orders = await registry.register(databaseInput({ tags: ['prod'] }));
  record();
  clock.advance(60_000);
  await registry.activate(orders.sourceId);
  record();
  clock.advance(60_000);
  await registry.update(orders.sourceId, { name: 'Orders EU' });
  await registry.register(databaseInput({ tenantId: 'globex', name: 'Files' }));
  record();
  clock.advance(60_000);
  await registry.delete(orders.sourceId);
  record();
  return { ...fixture, orders, snapshots };
}

describeEachStore('registry.at', (harness) => {
  it('answers at each position what the registry answered there', async () => {
    const { registry, snapshots } = await history(harness);
    for (const { position, snapshot } of snapshots) {
      const then = await registry.at(position);
      expect(then.position).toBe(position);
      expect(snapshotOf(then)).toBe(snapshot);
    }
  });

  it('answers the same from a registry opened again on the log', async () => {
    const { reopen, snapshots } = await history(harness);
    const again = await reopen();
    for (const { position, snapshot } of snapshots) {
      expect(snapshotOf(await again.at(position))).toBe(snapshot);
    }
  });

  it('shows a deleted source at a position before its deletion, and not after', async () => {
    const { registry, orders, snapshots } = await history(harness);
    const beforeDelete = snapshots.at(-2)?.position ?? 0;
    expect((await registry.at(beforeDelete)).get(orders.sourceId)?.name).toBe('Orders EU');
    expect((await registry.at(beforeDelete)).getByName('acme', 'orders eu')?.sourceId).toBe(
      orders.sourceId,
    );
    expect((await registry.at(registry.position)).get(orders.sourceId)).toBeNull();
  });

  it('at a Date, shows every event that occurred up to it and none after', async () => {
    const { registry, snapshots } = await history(harness);
    for (const { position, time, snapshot } of snapshots) {
      const then = await registry.at(time);
      expect(then.position).toBe(position);
      expect(snapshotOf(then)).toBe(snapshot);
      // A moment later, before the next command's time, is the same state.
      expect((await registry.at(new Date(time.getTime() + 30_000))).position).toBe(position);
    }
  });

  it('at a Date before the first event is the empty registry, at position 0', async () => {
    const { registry } = await history(harness);
    const then = await registry.at(new Date('2000-01-01T00:00:00.000Z'));
    expect(then.position).toBe(0);
    expect(then.count()).toBe(0);
    expect(then.getStatistics().totalSources).toBe(0);
  });

  it('at a Date in the future is the registry as it is now', async () => {
    const { registry } = await history(harness);
    const then = await registry.at(new Date('2999-01-01T00:00:00.000Z'));
    expect(then.position).toBe(registry.position);
    expect(snapshotOf(then)).toBe(snapshotOf(registry));
  });

  it('shows secrets as the registry does: readable values, printed as "***"', async () => {
    const { registry } = await harness.createRegistry();
    const source = await registry.register(databaseInput());
    const then = (await registry.at(registry.position)).get(source.sourceId);
    expect(then?.config.password).toBe(PLAINTEXT_PASSWORD);
    expect(JSON.stringify(then)).not.toContain(PLAINTEXT_PASSWORD);
    expect(JSON.stringify(then)).toBe(JSON.stringify(registry.get(source.sourceId)));
    expect(plainJson(then)).toBe(plainJson(registry.get(source.sourceId)));
  });

  it('hands out frozen answers, and is itself frozen', async () => {
    const { registry } = await history(harness);
    const then = await registry.at(registry.position);
    expect(Object.isFrozen(then)).toBe(true);
    expect(isDeeplyFrozen(then.list())).toBe(true);
    expect(isDeeplyFrozen(then.getStatistics())).toBe(true);
  });

  it('does not change when the registry moves on', async () => {
    const { registry } = await history(harness);
    const then = await registry.at(registry.position);
    const before = snapshotOf(then);
    await registry.register(databaseInput({ name: 'Later' }));
    expect(snapshotOf(then)).toBe(before);
    expect(then.getByName('acme', 'Later')).toBeNull();
  });

  it('refuses a position beyond the head of the log with INVALID_INPUT', async () => {
    const { registry } = await history(harness);
    const error = await failsWith(
      () => registry.at(registry.position + 1),
      ErrorCode.INVALID_INPUT,
    );
    expect(error.message).toContain(`beyond the head of the log, ${registry.position}`);
    expect(error.details).toMatchObject({ head: registry.position });
  });

  it.each([
    ['a negative position', -1],
    ['a fractional position', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an invalid Date', new Date('not a date')],
    ['a date string', '2024-03-01T09:00:00.000Z'],
    ['nothing', undefined],
  ])('refuses %s with INVALID_INPUT and its issues', async (_what, moment) => {
    const { registry } = await harness.createRegistry();
    const error = await failsWith(() => registry.at(moment as never), ErrorCode.INVALID_INPUT);
    expect(error.details.issues).toEqual(expect.any(Array));
  });

  it('checks its queries as the registry does', async () => {
    const { registry } = await history(harness);
    const then = await registry.at(registry.position);
    await failsWith(() => then.get(' spaced '), ErrorCode.INVALID_INPUT);
    await failsWith(() => then.getByName('acme', ' '), ErrorCode.INVALID_INPUT);
    await failsWith(() => then.list({ limit: -1 }), ErrorCode.INVALID_INPUT);
    await failsWith(() => then.count({ nope: 1 } as never), ErrorCode.INVALID_INPUT);
    await failsWith(() => then.getStatistics(' '), ErrorCode.INVALID_INPUT);
  });

  it('is refused with FORBIDDEN after close(), while a view taken before keeps answering', async () => {
    const { registry } = await history(harness);
    const then = await registry.at(registry.position);
    await registry.close();
    await failsWith(() => registry.at(0), ErrorCode.FORBIDDEN);
    expect(then.count()).toBe(1);
  });
});
