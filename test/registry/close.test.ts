import { expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { eventually } from '../support/postgres.js';
import { databaseInput, failsWith } from '../support/registry-fixtures.js';
import { describeEachStore } from '../support/store-matrix.js';

describeEachStore('registry.close', (harness) => {
  it('refuses commands afterwards with FORBIDDEN', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());

    await registry.close();

    await failsWith(() => registry.activate(sourceId), ErrorCode.FORBIDDEN);
    await failsWith(() => registry.register(databaseInput({ name: 'x' })), ErrorCode.FORBIDDEN);
    await failsWith(() => registry.clearTenant('acme'), ErrorCode.FORBIDDEN);
  });

  it('resolves again when called twice', async () => {
    const { registry } = await harness.createRegistry();
    await registry.close();

    await expect(registry.close()).resolves.toBeUndefined();
  });

  it('stops following the writes of other registries on the store', async () => {
    const made = await harness.createRegistry();
    const reader = await made.reopen();
    const witness = await made.reopen();
    await reader.close();

    await made.registry.register(databaseInput());
    await eventually(async () => witness.position === 1, 'an open registry to follow the write');

    expect(reader.position).toBe(0);
  });
});
