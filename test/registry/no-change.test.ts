/**
 * Commands that find nothing to change: a source that does not exist (or no
 * longer does), and a source already in the state the command asks for. None
 * of them appends an event or calls a listener.
 */
import { expect, it } from 'vitest';
import type { CustomerDataSource, DataSourceRegistry } from '../../src/index.js';
import { databaseInput, recordEvents } from '../support/registry-fixtures.js';
import { describeEachStore, type StoreHarness } from '../support/store-matrix.js';

type Command = (registry: DataSourceRegistry, sourceId: string) => Promise<unknown>;

const sourceCommands: [string, Command][] = [
  ['update', (r, id) => r.update(id, { description: 'x' })],
  ['updateConfig', (r, id) => r.updateConfig(id, { host: 'x' })],
  ['activate', (r, id) => r.activate(id)],
  ['deactivate', (r, id) => r.deactivate(id)],
  ['deprecate', (r, id) => r.deprecate(id)],
  ['recordConnection', (r, id) => r.recordConnection(id)],
  ['recordError', (r, id) => r.recordError(id, 'boom')],
  ['addTag', (r, id) => r.addTag(id, 'prod')],
  ['removeTag', (r, id) => r.removeTag(id, 'prod')],
  ['grantAccess', (r, id) => r.grantAccess(id, 'admin')],
  ['revokeAccess', (r, id) => r.revokeAccess(id, 'admin')],
];

describeEachStore('a command on a source that does not exist', (harness) => {
  it.each(sourceCommands)('%s resolves to null and appends nothing', async (_, command) => {
    const { registry } = await harness.createRegistry();
    await registry.register(databaseInput());
    const events = recordEvents(registry);

    await expect(command(registry, 'no-such-source')).resolves.toBeNull();
    expect(registry.position).toBe(1);
    expect(events).toEqual([]);
  });
});

describeEachStore('a command on a deleted source', (harness) => {
  it.each(sourceCommands)('%s resolves to null and appends nothing', async (_, command) => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput({ tags: ['prod'] }));
    await registry.delete(sourceId);
    const events = recordEvents(registry);

    await expect(command(registry, sourceId)).resolves.toBeNull();
    expect(registry.position).toBe(2);
    expect(events).toEqual([]);
  });

  it('delete resolves to false', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await registry.delete(sourceId);

    await expect(registry.delete(sourceId)).resolves.toBe(false);
  });
});

/** A source already in the state each no-op below asks for. */
async function settledSource(harness: StoreHarness) {
  const fixture = await harness.createRegistry();
  const { registry } = fixture;
  const source = await registry.register(
    databaseInput({
      name: 'Orders DB',
      description: 'orders',
      metadata: { team: 'payments', limits: { rps: 10 } },
      tags: ['prod'],
      accessRoles: ['admin'],
      config: { host: 'db', port: 5432, password: 'pw' },
    }),
  );
  await registry.activate(source.sourceId);
  return { ...fixture, sourceId: source.sourceId };
}

const noOps: [string, Command][] = [
  ['activate on an active source', (r, id) => r.activate(id)],
  ['addTag of a tag it has', (r, id) => r.addTag(id, 'prod')],
  ['addTag of a tag it has, with spaces around', (r, id) => r.addTag(id, ' prod ')],
  ['removeTag of a tag it lacks', (r, id) => r.removeTag(id, 'staging')],
  ['grantAccess of a role it has', (r, id) => r.grantAccess(id, 'admin')],
  ['revokeAccess of a role it lacks', (r, id) => r.revokeAccess(id, 'intern')],
  ['update with nothing in it', (r, id) => r.update(id, {})],
  [
    'update with the values it has',
    (r, id) =>
      r.update(id, {
        name: 'Orders DB',
        description: 'orders',
        metadata: { limits: { rps: 10 }, team: 'payments' },
      }),
  ],
  [
    'updateConfig with the config it has',
    (r, id) => r.updateConfig(id, { host: 'db', port: 5432, password: 'pw' }),
  ],
  [
    'updateConfig with the config it has, the password masked',
    (r, id) => r.updateConfig(id, { host: 'db', port: 5432, password: '***' }),
  ],
];

describeEachStore('a command that changes nothing', (harness) => {
  it.each(noOps)('%s appends nothing', async (_, command) => {
    const { registry, sourceId } = await settledSource(harness);
    const position = registry.position;

    await command(registry, sourceId);

    expect(registry.position).toBe(position);
    expect(await registry.history(sourceId)).toHaveLength(2);
  });

  it.each(noOps)('%s calls no listener', async (_, command) => {
    const { registry, sourceId } = await settledSource(harness);
    const events = recordEvents(registry);

    await command(registry, sourceId);

    expect(events).toEqual([]);
  });

  it.each(noOps)('%s returns the current source', async (_, command) => {
    const { registry, sourceId } = await settledSource(harness);
    const current = registry.get(sourceId);

    const result = (await command(registry, sourceId)) as CustomerDataSource | null;

    expect(result).toBe(current);
  });
});
