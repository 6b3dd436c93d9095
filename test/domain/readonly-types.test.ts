import { describe, expect, it } from 'vitest';
import {
  type CustomerDataSource,
  type DataSourceConfig,
  type DataSourceEvent,
  DataSourceRegistry,
  type DataSourceStats,
} from '../../src/index.js';

// Each line below must fail to compile; `tsc --noEmit` (part of `npm test`)
// fails when one of them compiles, as @ts-expect-error then has nothing to expect.
function changesThatDoNotCompile(
  source: CustomerDataSource,
  config: DataSourceConfig,
  stats: DataSourceStats,
) {
  // @ts-expect-error tags are a readonly array
  source.tags.push('x');
  // @ts-expect-error accessRoles are a readonly array
  source.accessRoles.length = 0;
  // @ts-expect-error a source's fields are readonly
  source.name = 'renamed';
  // @ts-expect-error metadata is readonly all the way down
  source.metadata.owner = 'me';
  // @ts-expect-error the config inside a source is readonly
  source.config.host = 'elsewhere';
  // @ts-expect-error config options are readonly
  config.options.timeout = 5;
  // @ts-expect-error statistics are readonly
  stats.byStatus.active = 0;
}

function eventChangesThatDoNotCompile(event: DataSourceEvent) {
  if (event.type !== 'DataSourceRegistered') return;
  // @ts-expect-error an event's data is readonly all the way down
  event.data.tags.push('x');
  // @ts-expect-error its envelope too
  event.position = 0;
}

describe('snapshots are readonly in their types as they are at run time', () => {
  it('throws on the changes the types refuse', async () => {
    const registry = await DataSourceRegistry.open();
    const source = await registry.register({
      tenantId: 't1',
      name: 'orders',
      sourceType: 'database',
      config: { host: 'db.internal', options: { timeout: 3 } },
      metadata: { team: 'data' },
    });
    expect(() => changesThatDoNotCompile(source, source.config, registry.getStatistics())).toThrow(
      TypeError,
    );
    expect(Object.isFrozen(source.tags)).toBe(true);
    expect(Object.isFrozen(source.metadata)).toBe(true);
    expect(Object.isFrozen(source.config.options)).toBe(true);
    const [registered] = await registry.history(source.sourceId);
    if (registered === undefined) return expect.unreachable('no event');
    expect(() => eventChangesThatDoNotCompile(registered)).toThrow(TypeError);
    await registry.close();
  });
});
