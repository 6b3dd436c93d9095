import { describe, expect, it } from 'vitest';
import { DataSourceRegistry, ErrorCode } from '../../src/index.js';
import {
  createTestRegistry,
  databaseInput,
  failsWith,
  settle,
} from '../support/registry-fixtures.js';

describe('registry.close', () => {
  it('refuses commands afterwards with FORBIDDEN', async () => {
    const { registry } = createTestRegistry();
    const { sourceId } = await registry.register(databaseInput());

    await registry.close();

    await failsWith(() => registry.activate(sourceId), ErrorCode.FORBIDDEN);
    await failsWith(() => registry.register(databaseInput({ name: 'x' })), ErrorCode.FORBIDDEN);
    await failsWith(() => registry.clearTenant('acme'), ErrorCode.FORBIDDEN);
  });

  it('resolves again when called twice', async () => {
    const { registry } = createTestRegistry();
    await registry.close();

    await expect(registry.close()).resolves.toBeUndefined();
  });

  it('stops following the writes of other registries on the store', async () => {
    const { registry: writer, store } = createTestRegistry();
    const reader = new DataSourceRegistry({ store });
    await reader.close();

    await writer.register(databaseInput());
    await settle();

    expect(reader.position).toBe(0);
  });
});
