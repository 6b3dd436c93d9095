/**
 * Each refusal of bad input says which argument was wrong, in words a caller
 * can act on, and names the source it was about.
 */
import { describe, expect, it } from 'vitest';
import { DataSourceRegistry, ErrorCode } from '../../src/index.js';
import { caught } from '../support/given-when-then.js';
import { createTestRegistry, databaseInput, failureOf } from '../support/registry-fixtures.js';

describe('a refusal of bad input', () => {
  it('of the registry options names them', () => {
    const error = caught(() => new DataSourceRegistry({ conflictTimeoutMs: -1 }));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toMatch(/^Invalid registry options: conflictTimeoutMs: /);
  });

  it('of an update names the update and the source', async () => {
    const { registry } = createTestRegistry();
    const { sourceId } = await registry.register(databaseInput());
    const error = await failureOf(() => registry.update(sourceId, { name: '' }));
    expect(error.message).toMatch(/^Invalid update: name: /);
    expect(error.sourceId).toBe(sourceId);
  });

  it('of an error message names it and the source', async () => {
    const { registry } = createTestRegistry();
    const { sourceId } = await registry.register(databaseInput());
    const error = await failureOf(() => registry.recordError(sourceId, ''));
    expect(error.message).toMatch(/^Invalid error message: /);
    expect(error.sourceId).toBe(sourceId);
  });

  it('of a list or count filter names the filter', () => {
    const { registry } = createTestRegistry();
    expect(caught(() => registry.list({ limit: -1 })).message).toMatch(/^Invalid filter: limit: /);
    expect(caught(() => registry.count({ tenantId: '' })).message).toMatch(
      /^Invalid filter: tenantId: /,
    );
  });

  it('of the tenant of statistics names the tenant id', () => {
    const { registry } = createTestRegistry();
    expect(caught(() => registry.getStatistics('')).message).toMatch(/^Invalid tenant id: /);
  });

  it('of a listener names the listener', () => {
    const { registry } = createTestRegistry();
    const error = caught(() => registry.on('DataSourceRegistered', 'not a function' as never));
    expect(error.message).toMatch(/^Invalid listener: listener: must be a function/);
  });

  it('of an expected version on a tenant command names the command', async () => {
    const { registry } = createTestRegistry();
    const clear = await failureOf(() => registry.clearTenant('acme', { expectedVersion: 1 }));
    expect(clear.message).toBe('expectedVersion applies to one source, not to clearTenant');
    const purge = await failureOf(() => registry.purgeTenant('acme', { expectedVersion: 1 }));
    expect(purge.message).toBe('expectedVersion applies to one source, not to purgeTenant');
  });

  it('after close says the registry is closed', async () => {
    const { registry } = createTestRegistry();
    await registry.close();
    const error = caught(() => registry.list());
    expect(error.code).toBe(ErrorCode.FORBIDDEN);
    expect(error.message).toBe('The registry is closed');
  });
});
