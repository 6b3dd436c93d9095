/**
 * Each command of a tenant handle does on its own tenant's source what the
 * registry's command does, and resolves to the source as it left it.
 */
import { expect, it } from 'vitest';
import { databaseInput } from '../support/registry-fixtures.js';
import { describeEachStore } from '../support/store-matrix.js';

const { tenantId: _tenant, ...acmeInput } = databaseInput();

describeEachStore('a tenant handle', (harness) => {
  it('runs every command on its own source and resolves to the source it left', async () => {
    const { registry } = await harness.createRegistry();
    const handle = registry.forTenant('acme');
    const { sourceId } = await handle.register(acmeInput);

    expect(await handle.update(sourceId, { description: 'orders of acme' })).toMatchObject({
      description: 'orders of acme',
      status: 'pending',
    });
    expect((await handle.updateConfig(sourceId, { host: 'db2.acme.internal' }))?.config.host).toBe(
      'db2.acme.internal',
    );
    expect(await handle.activate(sourceId)).toMatchObject({ status: 'active' });
    expect(await handle.recordConnection(sourceId)).toMatchObject({ connectionCount: 1 });
    expect(await handle.recordError(sourceId, 'timed out')).toMatchObject({
      status: 'error',
      lastError: 'timed out',
      errorCount: 1,
    });
    expect(await handle.deactivate(sourceId)).toMatchObject({ status: 'inactive' });
    expect(await handle.addTag(sourceId, 'prod')).toMatchObject({ tags: ['prod'] });
    expect(await handle.removeTag(sourceId, 'prod')).toMatchObject({ tags: [] });
    expect(await handle.grantAccess(sourceId, 'ops')).toMatchObject({ accessRoles: ['ops'] });
    expect(await handle.revokeAccess(sourceId, 'ops')).toMatchObject({ accessRoles: [] });
    expect(await handle.deprecate(sourceId)).toMatchObject({ status: 'deprecated' });

    expect(registry.get(sourceId)).toMatchObject({
      description: 'orders of acme',
      status: 'deprecated',
      connectionCount: 1,
      errorCount: 1,
      version: 12,
    });
    expect(await handle.delete(sourceId)).toBe(true);
    expect(registry.get(sourceId)).toBeNull();
  });
});
