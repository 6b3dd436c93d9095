/**
 * Every documented limit accepts its maximum and refuses one more, with
 * INVALID_INPUT and the path, before anything is written; and input at every
 * maximum at once is stored by every store and read back unchanged.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/domain/json.js';
import { LIMITS } from '../../src/domain/limits.js';
import {
  type CommandContext,
  DataSourceConfig,
  type DataSourceRegistry,
  ErrorCode,
  type RegisterInput,
} from '../../src/index.js';
import { useDurableLogs } from '../support/durable-registries.js';
import { issuePaths } from '../support/input-issues.js';
import {
  createTestRegistry,
  databaseInput,
  failsWith,
  snapshotOf,
} from '../support/registry-fixtures.js';

/** Text of exactly `bytes` UTF-8 bytes: as many `filler` characters as fit, then ASCII. */
function textOf(bytes: number, filler = '🦀'): string {
  const wide = Math.floor(bytes / Buffer.byteLength(filler));
  return filler.repeat(wide) + 'x'.repeat(bytes - wide * Buffer.byteLength(filler));
}

/** A JSON object whose JSON text is exactly `bytes` bytes long. */
function jsonOf(bytes: number): Record<string, string> {
  return { k: 'x'.repeat(bytes - '{"k":""}'.length) };
}

/** A JSON object `levels` levels deep, the outermost counted. */
function depthOf(levels: number): JsonObject {
  let value: JsonObject = {};
  for (let i = 1; i < levels; i++) value = { d: value };
  return value;
}

const labels = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`);

/** Each limit on a registration: the input at the maximum, and at one more. */
const registrationLimits: [path: string, (n: number) => Partial<RegisterInput>, max: number][] = [
  ['tenantId', (n) => ({ tenantId: textOf(n, 'é') }), LIMITS.tenantIdBytes],
  ['sourceId', (n) => ({ sourceId: textOf(n) }), LIMITS.sourceIdBytes],
  ['name', (n) => ({ name: textOf(n) }), LIMITS.nameBytes],
  ['tags.0', (n) => ({ tags: [textOf(n)] }), LIMITS.tagBytes],
  ['tags', (n) => ({ tags: labels(n, 't') }), LIMITS.tagsPerSource],
  ['accessRoles.0', (n) => ({ accessRoles: [textOf(n)] }), LIMITS.roleBytes],
  ['accessRoles', (n) => ({ accessRoles: labels(n, 'r') }), LIMITS.rolesPerSource],
  ['description', (n) => ({ description: textOf(n) }), LIMITS.descriptionBytes],
  ['ownerId', (n) => ({ ownerId: textOf(n) }), LIMITS.ownerIdBytes],
  ['metadata', (n) => ({ metadata: jsonOf(n) }), LIMITS.metadataBytes],
  ['metadata', (n) => ({ metadata: depthOf(n) }), LIMITS.jsonDepth],
  ['config.host', (n) => ({ config: { host: textOf(n) } }), LIMITS.configTextBytes],
  ['config.password', (n) => ({ config: { password: textOf(n) } }), LIMITS.configTextBytes],
  [
    'config.connectionString',
    (n) => ({ config: { connectionString: textOf(n) } }),
    LIMITS.connectionStringBytes,
  ],
  ['config.options', (n) => ({ config: { options: jsonOf(n) } }), LIMITS.optionsBytes],
  ['config.oauthConfig', (n) => ({ config: { oauthConfig: jsonOf(n) } }), LIMITS.oauthConfigBytes],
];

describe('the documented limits', () => {
  it.each(registrationLimits)(
    'accept %s at its maximum and refuse one more',
    async (path, make, max) => {
      const { registry, store } = createTestRegistry();
      await registry.register(
        databaseInput({ ...make(max), name: 'at max', ...nameOf(make, max) }),
      );
      const error = await failsWith(
        () => registry.register(databaseInput({ name: 'over', ...make(max + 1) })),
        ErrorCode.INVALID_INPUT,
      );
      expect(issuePaths(error).some((issue) => issue.startsWith(path))).toBe(true);
      expect(store.readAllSync()).toHaveLength(1);
    },
  );

  it('count a name by its case-folded form too, which can be longer', async () => {
    const { registry } = createTestRegistry();
    // "İ" is 2 bytes; lower-cased it is "i" + a combining dot, 3 bytes.
    const name = 'İ'.repeat(LIMITS.nameBytes / 2);
    const error = await failsWith(
      () => registry.register(databaseInput({ name })),
      ErrorCode.INVALID_INPUT,
    );
    expect(issuePaths(error)).toEqual(['name']);
  });

  const contextLimits: [path: string, (n: number) => CommandContext, max: number][] = [
    ['actor', (n) => ({ actor: textOf(n) }), LIMITS.contextTextBytes],
    ['correlationId', (n) => ({ correlationId: textOf(n) }), LIMITS.contextTextBytes],
    ['causationId', (n) => ({ causationId: textOf(n) }), LIMITS.contextTextBytes],
    ['metadata', (n) => ({ metadata: jsonOf(n) }), LIMITS.contextMetadataBytes],
  ];

  it.each(contextLimits)(
    'accept a context %s at its maximum and refuse one more',
    async (path, make, max) => {
      const { registry } = createTestRegistry();
      const { sourceId } = await registry.register(databaseInput());
      await registry.recordConnection(sourceId, make(max));
      const error = await failsWith(
        () => registry.recordConnection(sourceId, make(max + 1)),
        ErrorCode.INVALID_INPUT,
      );
      expect(issuePaths(error)).toEqual([path]);
    },
  );

  it('accept an error message at its maximum and refuse one more', async () => {
    const { registry } = createTestRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await registry.recordError(sourceId, textOf(LIMITS.errorMessageBytes));
    await failsWith(
      () => registry.recordError(sourceId, textOf(LIMITS.errorMessageBytes + 1)),
      ErrorCode.INVALID_INPUT,
    );
  });

  it('refuse a tag or role past the per-source count, added one at a time', async () => {
    const { registry, store } = createTestRegistry();
    const { sourceId } = await registry.register(
      databaseInput({
        tags: labels(LIMITS.tagsPerSource, 't'),
        accessRoles: labels(LIMITS.rolesPerSource, 'r'),
      }),
    );
    expect(
      issuePaths(
        await failsWith(() => registry.addTag(sourceId, 'one-more'), ErrorCode.INVALID_INPUT),
      ),
    ).toEqual(['tags']);
    expect(
      issuePaths(
        await failsWith(() => registry.grantAccess(sourceId, 'one-more'), ErrorCode.INVALID_INPUT),
      ),
    ).toEqual(['accessRoles']);
    expect(await registry.addTag(sourceId, 't0')).not.toBeNull();
    expect(store.readAllSync()).toHaveLength(1);
  });

  it('apply to DataSourceConfig.create as to a registration', async () => {
    await failsWith(
      () => DataSourceConfig.create({ host: textOf(LIMITS.configTextBytes + 1) }),
      ErrorCode.INVALID_INPUT,
    );
    await failsWith(
      () => DataSourceConfig.fromDict({ options: depthOf(LIMITS.jsonDepth + 1) }),
      ErrorCode.INVALID_INPUT,
    );
  });
});

/** Registrations at a limit need a name of their own, unless the limit is the name's. */
function nameOf(make: (n: number) => Partial<RegisterInput>, max: number): Partial<RegisterInput> {
  return make(max).name === undefined ? {} : { name: make(max).name };
}

describe('input at every maximum at once, in every store', () => {
  const freshLogs = useDurableLogs('limits');

  /** The largest registration the limits allow, names and ids sized for the stores' unique indexes. */
  const largest = (i: number): RegisterInput => ({
    tenantId: textOf(LIMITS.tenantIdBytes - 1, 'é') + i,
    sourceId: textOf(LIMITS.sourceIdBytes - 1) + i,
    name: textOf(LIMITS.nameBytes - 1) + i,
    sourceType: 'api',
    description: textOf(LIMITS.descriptionBytes),
    ownerId: textOf(LIMITS.ownerIdBytes),
    tags: labels(LIMITS.tagsPerSource - 1, textOf(LIMITS.tagBytes - 3)),
    accessRoles: labels(LIMITS.rolesPerSource - 1, textOf(LIMITS.roleBytes - 3)),
    metadata: { ...jsonOf(LIMITS.metadataBytes - 300), deep: depthOf(LIMITS.jsonDepth - 1) },
    config: {
      host: textOf(LIMITS.configTextBytes),
      password: textOf(LIMITS.configTextBytes),
      connectionString: textOf(LIMITS.connectionStringBytes),
      options: jsonOf(LIMITS.optionsBytes),
      oauthConfig: jsonOf(LIMITS.oauthConfigBytes),
    },
  });

  async function fill(registry: DataSourceRegistry) {
    for (let i = 0; i < 3; i++) {
      const { sourceId } = await registry.register(largest(i), {
        actor: textOf(LIMITS.contextTextBytes),
        metadata: jsonOf(LIMITS.contextMetadataBytes),
      });
      await registry.addTag(sourceId, textOf(LIMITS.tagBytes));
      await registry.grantAccess(sourceId, textOf(LIMITS.roleBytes));
      await registry.recordError(sourceId, textOf(LIMITS.errorMessageBytes));
      await registry.update(sourceId, { name: textOf(LIMITS.nameBytes - 2, 'é') + i });
    }
  }

  it('is stored and read back unchanged by a new registry', async () => {
    for (const place of freshLogs()) {
      const writer = await place.open();
      await fill(writer);
      const reader = await place.open();
      expect(reader.count(), place.kind).toBe(3);
      expect(snapshotOf(reader), place.kind).toBe(snapshotOf(writer));
    }
  });

  it('refuses a 3,000-character name the same way in every store, before it reaches the store', async () => {
    for (const place of freshLogs()) {
      const registry = await place.open();
      const error = await failsWith(
        () => registry.register(databaseInput({ name: 'n'.repeat(3_000) })),
        ErrorCode.INVALID_INPUT,
      );
      expect(issuePaths(error), place.kind).toEqual(['name']);
      expect(registry.position, place.kind).toBe(0);
    }
  });
});
