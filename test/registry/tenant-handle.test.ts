/**
 * `registry.forTenant(tenantId, { actor, roles })`: one tenant's view of the
 * registry. Another tenant's sources, and sources the roles may not use, are
 * absent to its queries and refuse its commands with FORBIDDEN.
 */
import { expect, it } from 'vitest';
import { type DataSourceRegistry, ErrorCode } from '../../src/index.js';
import { databaseInput, failsWith, recordEvents } from '../support/registry-fixtures.js';
import { describeEachStore, type StoreHarness } from '../support/store-matrix.js';

const { tenantId: _tenant, ...acmeInput } = databaseInput();

/** A registry holding one source in `acme` and one in `globex`, both named "Orders DB". */
async function twoTenants(harness: StoreHarness) {
  const fixture = await harness.createRegistry();
  const { registry } = fixture;
  const acme = await registry.register(databaseInput({ tenantId: 'acme' }));
  const globex = await registry.register(databaseInput({ tenantId: 'globex' }));
  return { ...fixture, acme, globex };
}

/** How many events the log holds. */
async function logLength(registry: DataSourceRegistry): Promise<number> {
  await registry.refresh();
  return registry.position;
}

describeEachStore('registry.forTenant', (harness) => {
  it('refuses a blank tenant id with INVALID_INPUT', async () => {
    const { registry } = await harness.createRegistry();

    await failsWith(() => registry.forTenant('   '), ErrorCode.INVALID_INPUT);
  });

  it('trims the tenant id and puts it in NFC, as registration does', async () => {
    const { registry } = await harness.createRegistry();

    const handle = registry.forTenant('  cafe\u0301 ');

    expect(handle.tenantId).toBe('caf\u00e9');
  });

  it('refuses a blank role with INVALID_INPUT', async () => {
    const { registry } = await harness.createRegistry();

    await failsWith(
      () => registry.forTenant('acme', { roles: ['analyst', '  '] }),
      ErrorCode.INVALID_INPUT,
    );
  });

  it('refuses an option it does not know with INVALID_INPUT', async () => {
    const { registry } = await harness.createRegistry();
    const options = { actor: 'alice', role: 'analyst' } as unknown as { actor: string };

    await failsWith(() => registry.forTenant('acme', options), ErrorCode.INVALID_INPUT);
  });

  it('gives a handle whose queries and commands fail with FORBIDDEN after close()', async () => {
    const { registry, acme } = await twoTenants(harness);
    const handle = registry.forTenant('acme');
    await registry.close();

    await failsWith(() => handle.get(acme.sourceId), ErrorCode.FORBIDDEN);
    await failsWith(() => handle.activate(acme.sourceId), ErrorCode.FORBIDDEN);
  });

  it('refuses to make a handle after close() with FORBIDDEN', async () => {
    const { registry } = await harness.createRegistry();
    await registry.close();

    await failsWith(() => registry.forTenant('acme'), ErrorCode.FORBIDDEN);
  });
});

describeEachStore('a tenant handle registering', (harness) => {
  it('registers in its own tenant', async () => {
    const { registry } = await harness.createRegistry();

    const source = await registry.forTenant('acme').register(acmeInput);

    expect(registry.get(source.sourceId)?.tenantId).toBe('acme');
  });

  it('accepts an input naming its own tenant', async () => {
    const { registry } = await harness.createRegistry();
    const input = { ...acmeInput, tenantId: ' acme ' };

    const source = await registry.forTenant('acme').register(input);

    expect(source.tenantId).toBe('acme');
  });

  it('refuses an input naming another tenant with FORBIDDEN and appends nothing', async () => {
    const { registry } = await harness.createRegistry();
    const input = { ...acmeInput, tenantId: 'globex' };

    await failsWith(() => registry.forTenant('acme').register(input), ErrorCode.FORBIDDEN);

    expect(await logLength(registry)).toBe(0);
  });

  it('refuses a source whose access roles would hide it from the handle, with FORBIDDEN', async () => {
    const { registry } = await harness.createRegistry();
    const handle = registry.forTenant('acme', { roles: ['analyst'] });

    await failsWith(
      () => handle.register({ ...acmeInput, accessRoles: ['admin'] }),
      ErrorCode.FORBIDDEN,
    );
    expect(await logLength(registry)).toBe(0);
  });
});

describeEachStore('the actor of a tenant handle', (harness) => {
  it('is recorded on every event the handle appends', async () => {
    const { registry } = await harness.createRegistry();
    const handle = registry.forTenant('acme', { actor: 'alice@acme' });

    const { sourceId } = await handle.register(acmeInput);
    await handle.activate(sourceId);

    const actors = (await registry.history(sourceId)).map((event) => event.metadata.actor);
    expect(actors).toEqual(['alice@acme', 'alice@acme']);
  });

  it('is recorded beside the correlation id and metadata of the command context', async () => {
    const { registry } = await harness.createRegistry();
    const handle = registry.forTenant('acme', { actor: 'alice@acme' });

    const { sourceId } = await handle.register(acmeInput, {
      correlationId: 'req-1',
      metadata: { via: 'console' },
    });

    const [registered] = await registry.history(sourceId);
    expect(registered?.metadata).toEqual({
      actor: 'alice@acme',
      correlationId: 'req-1',
      via: 'console',
    });
  });

  it('may be named again in the command context', async () => {
    const { registry } = await harness.createRegistry();
    const handle = registry.forTenant('acme', { actor: 'alice@acme' });

    const source = await handle.register(acmeInput, { actor: 'alice@acme' });

    expect(source.tenantId).toBe('acme');
  });

  it('left out, lets the command context name the actor, as the registry does', async () => {
    const { registry } = await harness.createRegistry();

    const { sourceId } = await registry.forTenant('acme').register(acmeInput, { actor: 'bob' });

    const [registered] = await registry.history(sourceId);
    expect(registered?.metadata.actor).toBe('bob');
  });

  it('cannot be replaced by another actor in the command context: FORBIDDEN, nothing appended', async () => {
    const { registry } = await harness.createRegistry();
    const handle = registry.forTenant('acme', { actor: 'alice@acme' });

    await failsWith(() => handle.register(acmeInput, { actor: 'mallory' }), ErrorCode.FORBIDDEN);

    expect(await logLength(registry)).toBe(0);
  });

  it('cannot be replaced through the metadata of the command context either', async () => {
    const { registry, acme } = await twoTenants(harness);
    const handle = registry.forTenant('acme', { actor: 'alice@acme' });

    await failsWith(
      () => handle.activate(acme.sourceId, { metadata: { actor: 'mallory' } }),
      ErrorCode.FORBIDDEN,
    );
    expect(registry.get(acme.sourceId)?.status).toBe('pending');
  });
});

describeEachStore('the queries of a tenant handle', (harness) => {
  it('get gives null for another tenant’s source', async () => {
    const { registry, globex } = await twoTenants(harness);

    expect(registry.forTenant('acme').get(globex.sourceId)).toBeNull();
  });

  it('get gives its own tenant’s source', async () => {
    const { registry, acme } = await twoTenants(harness);

    expect(registry.forTenant('acme').get(acme.sourceId)).toEqual(acme);
  });

  it('getByName finds the name in its own tenant only', async () => {
    const { registry, acme } = await twoTenants(harness);

    expect(registry.forTenant('acme').getByName(' orders db ')?.sourceId).toBe(acme.sourceId);
  });

  it('list and count show its own tenant’s sources only', async () => {
    const { registry, acme } = await twoTenants(harness);
    const handle = registry.forTenant('acme');

    expect([handle.list().map((s) => s.sourceId), handle.count()]).toEqual([[acme.sourceId], 1]);
  });

  it('list and count of a filter naming another tenant are empty', async () => {
    const { registry } = await twoTenants(harness);
    const handle = registry.forTenant('acme');
    const filter = { tenantId: 'globex' } as Record<string, string>;

    expect([handle.list(filter), handle.count(filter)]).toEqual([[], 0]);
  });

  it('getStatistics counts its own tenant only', async () => {
    const { registry, acme } = await twoTenants(harness);
    await registry.recordConnection(acme.sourceId);

    expect(registry.forTenant('acme').getStatistics()).toEqual(registry.getStatistics('acme'));
  });

  it('history of another tenant’s source is empty', async () => {
    const { registry, globex } = await twoTenants(harness);

    expect(await registry.forTenant('acme').history(globex.sourceId)).toEqual([]);
  });

  it('history of its own tenant’s deleted source shows every event', async () => {
    const { registry, acme } = await twoTenants(harness);
    await registry.delete(acme.sourceId);

    const history = await registry.forTenant('acme').history(acme.sourceId);

    expect(history.map((event) => event.type)).toEqual([
      'DataSourceRegistered',
      'DataSourceDeleted',
    ]);
  });
});

describeEachStore('the commands of a tenant handle', (harness) => {
  it('change a source of its own tenant', async () => {
    const { registry, acme } = await twoTenants(harness);

    const result = await registry.forTenant('acme').activate(acme.sourceId);

    expect(result?.status).toBe('active');
  });

  it('refuse another tenant’s source with FORBIDDEN, appending and publishing nothing', async () => {
    const { registry, globex } = await twoTenants(harness);
    const before = await logLength(registry);
    const published = recordEvents(registry);

    await failsWith(
      () => registry.forTenant('acme').addTag(globex.sourceId, 'mine'),
      ErrorCode.FORBIDDEN,
    );

    expect([await logLength(registry), published]).toEqual([before, []]);
  });

  it('cannot delete another tenant’s source', async () => {
    const { registry, globex } = await twoTenants(harness);

    await failsWith(() => registry.forTenant('acme').delete(globex.sourceId), ErrorCode.FORBIDDEN);

    expect(registry.get(globex.sourceId)).not.toBeNull();
  });

  it('give null, or false for delete, for a source that does not exist', async () => {
    const { registry } = await harness.createRegistry();
    const handle = registry.forTenant('acme');

    expect([await handle.activate('nope'), await handle.delete('nope')]).toEqual([null, false]);
  });

  it('refuse another tenant’s source that another instance registered and this one has not read yet', async () => {
    const { registry, reopen } = await harness.createRegistry();
    const other = await reopen();
    const { sourceId } = await other.register(databaseInput({ tenantId: 'globex' }));

    await failsWith(() => registry.forTenant('acme').activate(sourceId), ErrorCode.FORBIDDEN);

    expect(other.get(sourceId)?.status).toBe('pending');
  });

  it('refuse a source id another tenant uses with DUPLICATE_ID', async () => {
    const { registry, globex } = await twoTenants(harness);

    await failsWith(
      () =>
        registry
          .forTenant('acme')
          .register({ ...acmeInput, name: 'New', sourceId: globex.sourceId }),
      ErrorCode.DUPLICATE_ID,
    );
  });

  it('clearTenant clears its own tenant only', async () => {
    const { registry, acme, globex } = await twoTenants(harness);

    const cleared = await registry.forTenant('acme').clearTenant({ actor: 'ops' });

    expect([cleared, registry.get(acme.sourceId), registry.get(globex.sourceId)?.name]).toEqual([
      1,
      null,
      'Orders DB',
    ]);
  });
});

describeEachStore('a tenant handle with roles', (harness) => {
  /** Three sources in acme: open to all, for analysts, for admins. */
  async function withRoles() {
    const fixture = await harness.createRegistry();
    const { registry } = fixture;
    const open = await registry.register(databaseInput({ name: 'Open' }));
    const analysts = await registry.register(
      databaseInput({ name: 'Analysts', accessRoles: ['analyst'] }),
    );
    const admins = await registry.register(
      databaseInput({ name: 'Admins', accessRoles: ['admin'] }),
    );
    return { ...fixture, open, analysts, admins };
  }

  it('lists the sources open to everyone and those for one of its roles', async () => {
    const { registry } = await withRoles();

    const names = registry
      .forTenant('acme', { roles: ['analyst'] })
      .list()
      .map((s) => s.name);

    expect(names).toEqual(['Analysts', 'Open']);
  });

  it('with no roles at all sees only the sources open to everyone', async () => {
    const { registry } = await withRoles();

    const names = registry
      .forTenant('acme', { roles: [] })
      .list()
      .map((s) => s.name);

    expect(names).toEqual(['Open']);
  });

  it('does not find a hidden source by id or by name', async () => {
    const { registry, admins } = await withRoles();
    const handle = registry.forTenant('acme', { roles: ['analyst'] });

    expect([handle.get(admins.sourceId), handle.getByName('Admins')]).toEqual([null, null]);
  });

  it('counts and pages among the visible sources only', async () => {
    const { registry } = await withRoles();
    const handle = registry.forTenant('acme', { roles: ['analyst'] });

    expect([handle.count(), handle.list({ offset: 1, limit: 1 }).map((s) => s.name)]).toEqual([
      2,
      ['Open'],
    ]);
  });

  it('computes statistics over the visible sources only', async () => {
    const { registry, analysts } = await withRoles();
    await registry.activate(analysts.sourceId);

    const stats = registry.forTenant('acme', { roles: ['analyst'] }).getStatistics();

    expect([stats.totalSources, stats.activeSources, stats.pendingSources]).toEqual([2, 1, 1]);
  });

  it('gives an empty history for a hidden source', async () => {
    const { registry, admins } = await withRoles();

    expect(
      await registry.forTenant('acme', { roles: ['analyst'] }).history(admins.sourceId),
    ).toEqual([]);
  });

  it('refuses a command on a hidden source with FORBIDDEN', async () => {
    const { registry, admins } = await withRoles();

    await failsWith(
      () => registry.forTenant('acme', { roles: ['analyst'] }).activate(admins.sourceId),
      ErrorCode.FORBIDDEN,
    );
    expect(registry.get(admins.sourceId)?.status).toBe('pending');
  });

  it('refuses to revoke its role when another role would still hold the source, hiding it', async () => {
    const { registry, analysts } = await withRoles();
    await registry.grantAccess(analysts.sourceId, 'admin');
    const handle = registry.forTenant('acme', { roles: ['analyst'] });

    await failsWith(() => handle.revokeAccess(analysts.sourceId, 'analyst'), ErrorCode.FORBIDDEN);
    expect(registry.get(analysts.sourceId)?.accessRoles).toEqual(['analyst', 'admin']);
  });

  it('revokes the only role of a source, which opens it to everyone', async () => {
    const { registry, analysts } = await withRoles();
    const handle = registry.forTenant('acme', { roles: ['analyst'] });

    const result = await handle.revokeAccess(analysts.sourceId, 'analyst');

    expect(result?.accessRoles).toEqual([]);
  });

  it('refuses to grant a role that would close an open source to it', async () => {
    const { registry, open } = await withRoles();

    await failsWith(
      () => registry.forTenant('acme', { roles: ['analyst'] }).grantAccess(open.sourceId, 'admin'),
      ErrorCode.FORBIDDEN,
    );
    expect(registry.get(open.sourceId)?.accessRoles).toEqual([]);
  });

  it('grants a role that keeps the source visible to it', async () => {
    const { registry, analysts } = await withRoles();

    const result = await registry
      .forTenant('acme', { roles: ['analyst'] })
      .grantAccess(analysts.sourceId, 'admin');

    expect(result?.accessRoles).toEqual(['analyst', 'admin']);
  });

  it('refuses clearTenant with FORBIDDEN, as it would delete hidden sources', async () => {
    const { registry } = await withRoles();

    await failsWith(
      () => registry.forTenant('acme', { roles: ['analyst'] }).clearTenant(),
      ErrorCode.FORBIDDEN,
    );
    expect(registry.count({ tenantId: 'acme' })).toBe(3);
  });

  it('refuses the name of a source hidden from it with DUPLICATE_NAME, names being per tenant', async () => {
    const { registry } = await withRoles();

    await failsWith(
      () =>
        registry
          .forTenant('acme', { roles: ['analyst'] })
          .register({ ...acmeInput, name: 'admins' }),
      ErrorCode.DUPLICATE_NAME,
    );
  });

  it('gives an empty history for a deleted source that was hidden from it when deleted', async () => {
    const { registry, admins } = await withRoles();
    await registry.delete(admins.sourceId);

    expect(
      await registry.forTenant('acme', { roles: ['analyst'] }).history(admins.sourceId),
    ).toEqual([]);
  });

  it('runs a command on a source another instance changed, and it still may see, before this one read the change', async () => {
    const { registry, reopen, analysts } = await withRoles();
    const other = await reopen();
    await other.addTag(analysts.sourceId, 'eu');

    const result = await registry
      .forTenant('acme', { roles: ['analyst'] })
      .activate(analysts.sourceId);

    expect([result?.status, result?.tags, result?.version]).toEqual(['active', ['eu'], 3]);
  });

  it('refuses a command once another instance revoked its role, even before this one read the revocation', async () => {
    const { registry, reopen, analysts } = await withRoles();
    const other = await reopen();
    await other.grantAccess(analysts.sourceId, 'admin');
    await other.revokeAccess(analysts.sourceId, 'analyst');

    await failsWith(
      () => registry.forTenant('acme', { roles: ['analyst'] }).activate(analysts.sourceId),
      ErrorCode.FORBIDDEN,
    );
    await other.refresh();
    expect(other.get(analysts.sourceId)?.status).toBe('pending');
  });

  it('fails with CONCURRENCY_CONFLICT when the caller’s expected version is not the source’s', async () => {
    const { registry, analysts } = await withRoles();

    await failsWith(
      () =>
        registry
          .forTenant('acme', { roles: ['analyst'] })
          .activate(analysts.sourceId, { expectedVersion: 7 }),
      ErrorCode.CONCURRENCY_CONFLICT,
    );
  });

  it('runs a command at the caller’s expected version when it is the source’s', async () => {
    const { registry, analysts } = await withRoles();

    const result = await registry
      .forTenant('acme', { roles: ['analyst'] })
      .activate(analysts.sourceId, { expectedVersion: 1 });

    expect(result?.version).toBe(2);
  });
});
