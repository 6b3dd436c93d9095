import { expect, it } from 'vitest';
import { CustomerDataSource, ErrorCode } from '../../src/index.js';
import { databaseInput, failsWith } from '../support/registry-fixtures.js';
import { describeEachStore, type StoreHarness } from '../support/store-matrix.js';

async function withSource(
  harness: StoreHarness,
  overrides: Parameters<typeof databaseInput>[0] = {},
) {
  const fixture = await harness.createRegistry();
  const source = await fixture.registry.register(databaseInput(overrides));
  return { ...fixture, source, sourceId: source.sourceId };
}

describeEachStore('registry.addTag', (harness) => {
  it('adds a tag after the ones the source has', async () => {
    const { registry, sourceId } = await withSource(harness, { tags: ['prod'] });

    const result = await registry.addTag(sourceId, 'eu');

    expect(result?.tags).toEqual(['prod', 'eu']);
  });

  it('trims the tag', async () => {
    const { registry, sourceId } = await withSource(harness);

    const result = await registry.addTag(sourceId, '  pii ');

    expect(result?.tags).toEqual(['pii']);
  });

  it('makes the source findable by the tag', async () => {
    const { registry, sourceId } = await withSource(harness);

    await registry.addTag(sourceId, 'pii');

    expect(registry.list({ tag: 'pii' }).map((s) => s.sourceId)).toEqual([sourceId]);
  });

  it('appends a TagAdded event with the tag', async () => {
    const { registry, sourceId } = await withSource(harness);

    await registry.addTag(sourceId, 'pii');

    const history = await registry.history(sourceId);
    expect(history[1]).toMatchObject({ type: 'TagAdded', data: { tag: 'pii' } });
  });

  it('refuses a blank tag with INVALID_INPUT', async () => {
    const { registry, sourceId } = await withSource(harness);

    await failsWith(() => registry.addTag(sourceId, '   '), ErrorCode.INVALID_INPUT);
  });
});

describeEachStore('registry.removeTag', (harness) => {
  it('removes a tag the source has', async () => {
    const { registry, sourceId } = await withSource(harness, { tags: ['prod', 'eu'] });

    const result = await registry.removeTag(sourceId, 'prod');

    expect(result?.tags).toEqual(['eu']);
  });

  it('takes the source out of the tag filter', async () => {
    const { registry, sourceId } = await withSource(harness, { tags: ['prod'] });

    await registry.removeTag(sourceId, 'prod');

    expect(registry.list({ tag: 'prod' })).toEqual([]);
  });

  it('appends a TagRemoved event with the tag', async () => {
    const { registry, sourceId } = await withSource(harness, { tags: ['prod'] });

    await registry.removeTag(sourceId, 'prod');

    const history = await registry.history(sourceId);
    expect(history[1]).toMatchObject({ type: 'TagRemoved', data: { tag: 'prod' } });
  });
});

describeEachStore('registry.grantAccess', (harness) => {
  it('adds a role to the access roles', async () => {
    const { registry, sourceId } = await withSource(harness, { accessRoles: ['admin'] });

    const result = await registry.grantAccess(sourceId, 'analyst');

    expect(result?.accessRoles).toEqual(['admin', 'analyst']);
  });

  it('restricts a source open to everyone to the granted role', async () => {
    const { registry, sourceId, source } = await withSource(harness);
    expect(CustomerDataSource.hasAccess(source, 'intern')).toBe(true);

    const result = await registry.grantAccess(sourceId, 'admin');

    expect(result && CustomerDataSource.hasAccess(result, 'admin')).toBe(true);
    expect(result && CustomerDataSource.hasAccess(result, 'intern')).toBe(false);
  });

  it('appends an AccessGranted event with the role', async () => {
    const { registry, sourceId } = await withSource(harness);

    await registry.grantAccess(sourceId, 'admin');

    const history = await registry.history(sourceId);
    expect(history[1]).toMatchObject({ type: 'AccessGranted', data: { role: 'admin' } });
  });

  it('refuses an empty role with INVALID_INPUT', async () => {
    const { registry, sourceId } = await withSource(harness);

    await failsWith(() => registry.grantAccess(sourceId, ''), ErrorCode.INVALID_INPUT);
  });
});

describeEachStore('registry.revokeAccess', (harness) => {
  it('removes a role from the access roles', async () => {
    const { registry, sourceId } = await withSource(harness, { accessRoles: ['admin', 'analyst'] });

    const result = await registry.revokeAccess(sourceId, 'admin');

    expect(result?.accessRoles).toEqual(['analyst']);
  });

  it('opens the source to everyone again once the last role is revoked', async () => {
    const { registry, sourceId } = await withSource(harness, { accessRoles: ['admin'] });

    const result = await registry.revokeAccess(sourceId, 'admin');

    expect(result && CustomerDataSource.hasAccess(result, 'anyone')).toBe(true);
  });

  it('appends an AccessRevoked event with the role', async () => {
    const { registry, sourceId } = await withSource(harness, { accessRoles: ['admin'] });

    await registry.revokeAccess(sourceId, 'admin');

    const history = await registry.history(sourceId);
    expect(history[1]).toMatchObject({ type: 'AccessRevoked', data: { role: 'admin' } });
  });
});
