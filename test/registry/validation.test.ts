/**
 * Bad input gets a DataSourceError INVALID_INPUT listing `{ path, message }`
 * issues, through the promise the command returns, and changes nothing.
 */
import { expect, it } from 'vitest';
import { DataSourceError, type DataSourceRegistry, ErrorCode } from '../../src/index.js';
import {
  databaseInput,
  failsWith,
  recordEvents,
  snapshotOf,
} from '../support/registry-fixtures.js';
import { describeEachStore, type StoreHarness } from '../support/store-matrix.js';

type Call = (registry: DataSourceRegistry, sourceId: string) => Promise<unknown>;

async function withSource(harness: StoreHarness) {
  const fixture = await harness.createRegistry();
  const source = await fixture.registry.register(databaseInput());
  return { ...fixture, sourceId: source.sourceId };
}

/** Commands that are `async` all the way, so a bad argument rejects the promise. */
const rejecting: [string, Call][] = [
  ['register', (r) => r.register(databaseInput({ name: '' }))],
  ['activate', (r) => r.activate('')],
  ['deactivate', (r, id) => r.deactivate(id, { expectedVersion: -1 })],
  ['deprecate', (r, id) => r.deprecate(id, { actor: 42 } as never)],
  ['recordConnection', (r) => r.recordConnection(' padded ')],
  ['delete', (r) => r.delete('')],
  ['clearTenant', (r) => r.clearTenant('  ')],
];

/**
 * Commands that check their argument before their first await: a bad argument
 * throws at the call instead of rejecting the promise the signature promises,
 * so `registry.addTag(id, '').catch(handle)` throws past `handle`, and
 * `Promise.allSettled(tags.map((t) => registry.addTag(id, t)))` throws
 * instead of settling.
 */
const throwingAtTheCall: [string, Call][] = [
  ['update', (r, id) => r.update(id, { name: '' })],
  ['updateConfig', (r, id) => r.updateConfig(id, { port: 0 })],
  ['recordError', (r, id) => r.recordError(id, '')],
  ['addTag', (r, id) => r.addTag(id, '')],
  ['removeTag', (r, id) => r.removeTag(id, '')],
  ['grantAccess', (r, id) => r.grantAccess(id, '')],
  ['revokeAccess', (r, id) => r.revokeAccess(id, '')],
];

/** Calls the command and returns its promise; a throw at the call fails the test. */
function promiseOf(call: Call, registry: DataSourceRegistry, sourceId: string): Promise<unknown> {
  let promise: Promise<unknown> | undefined;
  expect(() => {
    promise = call(registry, sourceId);
  }).not.toThrow();
  return promise ?? Promise.resolve();
}

describeEachStore('a command given invalid input', (harness) => {
  it.each([...rejecting, ...throwingAtTheCall])(
    '%s fails with INVALID_INPUT and its issues',
    async (_, call) => {
      const { registry, sourceId } = await withSource(harness);

      const error = await failsWith(() => call(registry, sourceId), ErrorCode.INVALID_INPUT);

      const issues = error.details.issues;
      expect(issues.length).toBeGreaterThan(0);
      for (const issue of issues) {
        expect(issue).toEqual({ path: expect.any(String), message: expect.any(String) });
      }
    },
  );

  it.each([...rejecting, ...throwingAtTheCall])(
    '%s leaves the log, the projections and the listeners as they were',
    async (_, call) => {
      const { registry, sourceId, store } = await withSource(harness);
      const before = snapshotOf(registry);
      const events = recordEvents(registry);

      await failsWith(() => call(registry, sourceId), ErrorCode.INVALID_INPUT);

      expect(snapshotOf(registry)).toBe(before);
      expect(await store.head()).toBe(1);
      expect(events).toEqual([]);
    },
  );

  it.each(rejecting)('%s reports it by rejecting its promise', async (_, call) => {
    const { registry, sourceId } = await withSource(harness);

    await expect(promiseOf(call, registry, sourceId)).rejects.toBeInstanceOf(DataSourceError);
  });

  it.each(throwingAtTheCall)('%s reports it by rejecting its promise', async (_, call) => {
    const { registry, sourceId } = await withSource(harness);

    await expect(promiseOf(call, registry, sourceId)).rejects.toBeInstanceOf(DataSourceError);
  });
});

describeEachStore('registry.updateConfig without a config', (harness) => {
  // parseConfig(input ?? {}) reads a missing config as the empty input, so the
  // whole config, password included, is silently reset to the defaults.
  it.each([
    ['undefined', undefined],
    ['null', null],
  ])(
    'refuses %s with INVALID_INPUT instead of resetting the config to the defaults',
    async (_, missing) => {
      const { registry, sourceId } = await withSource(harness);

      await failsWith(
        () => registry.updateConfig(sourceId, missing as never),
        ErrorCode.INVALID_INPUT,
      );
    },
  );
});

describeEachStore('metadata', (harness) => {
  // JSON.parse makes "__proto__" an ordinary key; the metadata schema copies
  // keys by assignment, which sets the copy's prototype instead, so the key
  // and its value vanish without an error.
  it('with a "__proto__" key is kept as given or refused, never dropped silently', async () => {
    const { registry } = await harness.createRegistry();
    const metadata = JSON.parse('{"__proto__": {"owner": "x"}, "team": "core"}');

    let kept: unknown;
    try {
      kept = (await registry.register(databaseInput({ metadata }))).metadata;
    } catch (error) {
      expect(error).toMatchObject({ code: ErrorCode.INVALID_INPUT });
      return;
    }
    expect(JSON.stringify(kept)).toBe(JSON.stringify(metadata));
  });
});
