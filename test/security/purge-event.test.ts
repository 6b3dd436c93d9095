/**
 * Every purge leaves one record in the log: a `TenantPurged` on the tenant's
 * own stream `$tenant:<tenantId>`, in the same append as the deletions.
 */
import { expect, it } from 'vitest';
import type { DataSourceEvent } from '../../src/index.js';
import { databaseInput, recordEvents } from '../support/registry-fixtures.js';
import { describeEachStore } from '../support/store-matrix.js';

const ACTOR = { actor: 'auditor@acme' };

describeEachStore('purgeTenant records the purge', (harness) => {
  it('appends the deletions and then a TenantPurged with the actor and the count, in one append', async () => {
    const { registry, store } = await harness.createRegistry();
    await registry.register(databaseInput({ name: 'Orders' }));
    await registry.register(databaseInput({ name: 'Billing' }));
    const head = await store.head();

    await expect(registry.purgeTenant('acme', ACTOR)).resolves.toBe(2);

    const appended = await store.readAll({ after: head });
    expect(appended.map((event) => event.type)).toEqual([
      'DataSourceDeleted',
      'DataSourceDeleted',
      'TenantPurged',
    ]);
    const purge = appended[2];
    expect(purge).toMatchObject({
      sourceId: '$tenant:acme',
      tenantId: 'acme',
      streamVersion: 1,
      data: { deletedSources: 2 },
      metadata: { actor: 'auditor@acme' },
    });
    // One append: consecutive positions and one time for all of them.
    expect(new Set(appended.map((event) => event.occurredAt)).size).toBe(1);
    const positions = appended.map((event) => event.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it('appends a TenantPurged of no sources for a tenant with no live source left', async () => {
    const { registry, store } = await harness.createRegistry();
    await registry.register(databaseInput());
    await registry.clearTenant('acme');
    const head = await store.head();

    await expect(registry.purgeTenant('acme', ACTOR)).resolves.toBe(0);

    const appended = await store.readAll({ after: head });
    expect(appended.map((event) => [event.type, event.data])).toEqual([
      ['TenantPurged', { deletedSources: 0 }],
    ]);
  });

  it('appends a TenantPurged even for a tenant that never had a source', async () => {
    const { registry } = await harness.createRegistry();

    await registry.purgeTenant('initech', ACTOR);

    const history = await registry.history('$tenant:initech');
    expect(history.map((event) => [event.type, event.tenantId])).toEqual([
      ['TenantPurged', 'initech'],
    ]);
  });

  it('appends version 2 of the tenant stream on a second purge, by a registry opened later', async () => {
    const { registry, reopen } = await harness.createRegistry();
    await registry.register(databaseInput());
    await registry.purgeTenant('acme');
    const later = await reopen();

    await later.purgeTenant('acme', ACTOR);

    const history = await later.history('$tenant:acme');
    expect(history.map((event) => [event.streamVersion, event.data])).toEqual([
      [1, { deletedSources: 1 }],
      [2, { deletedSources: 0 }],
    ]);
  });

  it('appends versions 1 and 2 when two registries on one log purge the tenant at once', async () => {
    const { registry, reopen } = await harness.createRegistry();
    await registry.register(databaseInput());
    const other = await reopen();

    const counts = await Promise.all([registry.purgeTenant('acme'), other.purgeTenant('acme')]);

    const history = await registry.history('$tenant:acme');
    expect(history.map((event) => event.streamVersion)).toEqual([1, 2]);
    // One of them deleted the source; the other found it gone.
    expect(counts.sort()).toEqual([0, 1]);
    expect(history.map((event) => event.data).sort()).toEqual(
      expect.arrayContaining([{ deletedSources: 0 }, { deletedSources: 1 }]),
    );
  });

  it('hands the TenantPurged to its typed listeners and to every-event listeners', async () => {
    const { registry } = await harness.createRegistry();
    const typed: DataSourceEvent[] = [];
    registry.on('TenantPurged', (event) => {
      typed.push(event);
    });
    const all = recordEvents(registry);
    await registry.register(databaseInput());

    await registry.purgeTenant('acme', ACTOR);

    expect(typed.map((event) => event.data)).toEqual([{ deletedSources: 1 }]);
    expect(all.map((event) => event.type)).toEqual([
      'DataSourceRegistered',
      'DataSourceDeleted',
      'TenantPurged',
    ]);
  });

  it('hands the TenantPurged to a subscription filtered on the tenant', async () => {
    const { registry } = await harness.createRegistry();
    await registry.register(databaseInput());
    await registry.purgeTenant('acme', ACTOR);
    const seen: string[] = [];
    let purged!: () => void;
    const done = new Promise<void>((resolve) => {
      purged = resolve;
    });

    const subscription = registry.subscribe({
      name: 'purge-audit',
      filter: { tenantId: 'acme' },
      handler: async (event) => {
        seen.push(`${event.type} ${event.sourceId}`);
        if (event.type === 'TenantPurged') purged();
      },
    });
    await done;
    await subscription.stop();

    expect(seen.at(-1)).toBe('TenantPurged $tenant:acme');
    expect(seen).toHaveLength(3);
  });

  it('leaves the sources, counts and statistics of the other tenants as they were', async () => {
    const { registry } = await harness.createRegistry();
    await registry.register(databaseInput({ tenantId: 'globex' }));
    await registry.register(databaseInput());
    const before = registry.getStatistics('globex');

    await registry.purgeTenant('acme');

    expect(registry.getStatistics('globex')).toEqual(before);
    expect(registry.count({})).toBe(1);
    expect(registry.getStatistics('acme').totalSources).toBe(0);
  });

  it('shows the TenantPurged in the history any handle of the tenant reads, roles or not, and not to another tenant', async () => {
    const { registry } = await harness.createRegistry();
    await registry.purgeTenant('acme', ACTOR);

    const own = await registry.forTenant('acme').history('$tenant:acme');
    const withRoles = await registry
      .forTenant('acme', { roles: ['analyst'] })
      .history('$tenant:acme');
    const other = await registry.forTenant('globex').history('$tenant:acme');

    expect(own.map((event) => event.type)).toEqual(['TenantPurged']);
    expect(withRoles).toEqual(own);
    expect(other).toEqual([]);
  });

  it('replays a log holding a TenantPurged, and looks back at the registry before the purge', async () => {
    const { registry, reopen } = await harness.createRegistry();
    await registry.register(databaseInput());
    const beforePurge = registry.position;
    await registry.purgeTenant('acme');
    const later = await reopen();

    const past = await later.at(beforePurge);

    expect(later.count({ tenantId: 'acme' })).toBe(0);
    expect(later.position).toBe(registry.position);
    expect(past.count({ tenantId: 'acme' })).toBe(1);
    expect((await later.at(later.position)).count({})).toBe(0);
  });

  it('keeps the tenant stream through a snapshot, so a purge after it appends the next version', async () => {
    const { registry, reopen } = await harness.createRegistry();
    await registry.register(databaseInput());
    await registry.purgeTenant('acme');
    await registry.snapshot();
    const later = await reopen();

    await later.purgeTenant('acme');

    const history = await later.history('$tenant:acme');
    expect(history.map((event) => event.streamVersion)).toEqual([1, 2]);
  });
});
