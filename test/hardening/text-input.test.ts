/**
 * Text a store would alter is refused wherever it appears: SQLite and
 * PostgreSQL keep UTF-8, so a lone surrogate would come back as U+FFFD, and
 * PostgreSQL refuses NUL. Tenant ids are trimmed and NFC, like names.
 */
import { describe, expect, it } from 'vitest';
import { type CommandContext, DataSourceConfig, ErrorCode } from '../../src/index.js';
import { issuePaths } from '../support/input-issues.js';
import { createTestRegistry, databaseInput, failsWith } from '../support/registry-fixtures.js';

const LONE = 'x\ud800';
const LOW_ALONE = '\udfffy';
const NUL = 'a\u0000b';

const badRegistrations: [string, Record<string, unknown>][] = [
  ['tenantId', { tenantId: LONE }],
  ['sourceId', { sourceId: LONE }],
  ['name', { name: LOW_ALONE }],
  ['tags.0', { tags: [NUL] }],
  ['accessRoles.0', { accessRoles: [LONE] }],
  ['description', { description: NUL }],
  ['ownerId', { ownerId: LONE }],
  ['metadata.k', { metadata: { k: LONE } }],
  [`metadata.${LONE}`, { metadata: { [LONE]: 1 } }],
  ['metadata.a.0.b', { metadata: { a: [{ b: NUL }] } }],
  ['config.host', { config: { host: NUL } }],
  ['config.password', { config: { password: LONE } }],
  ['config.connectionString', { config: { connectionString: LOW_ALONE } }],
  ['config.oauthConfig.secret', { config: { oauthConfig: { secret: LONE } } }],
  ['config.options.x', { config: { options: { x: NUL } } }],
];

describe('text that is not well-formed Unicode, or holds NUL', () => {
  it.each(badRegistrations)(
    'is refused at %s of a registration, and nothing is appended',
    async (path, patch) => {
      const { registry, store } = createTestRegistry();
      const error = await failsWith(
        () => registry.register(databaseInput(patch)),
        ErrorCode.INVALID_INPUT,
      );
      expect(issuePaths(error)).toContain(path);
      expect(store.readAllSync()).toHaveLength(0);
    },
  );

  const badContexts: [string, CommandContext][] = [
    ['actor', { actor: LONE }],
    ['correlationId', { correlationId: NUL }],
    ['causationId', { causationId: LOW_ALONE }],
    ['metadata.why', { metadata: { why: LONE } }],
  ];

  it.each(badContexts)('is refused at %s of a command context', async (path, ctx) => {
    const { registry, store } = createTestRegistry();
    const source = await registry.register(databaseInput());
    const error = await failsWith(
      () => registry.activate(source.sourceId, ctx),
      ErrorCode.INVALID_INPUT,
    );
    expect(issuePaths(error)).toEqual([path]);
    expect(store.readAllSync()).toHaveLength(1);
  });

  it('is refused in every single-value command and in updates', async () => {
    const { registry, store } = createTestRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await failsWith(() => registry.recordError(sourceId, `boom ${LONE}`), ErrorCode.INVALID_INPUT);
    await failsWith(() => registry.addTag(sourceId, NUL), ErrorCode.INVALID_INPUT);
    await failsWith(() => registry.grantAccess(sourceId, LONE), ErrorCode.INVALID_INPUT);
    await failsWith(() => registry.update(sourceId, { name: LONE }), ErrorCode.INVALID_INPUT);
    await failsWith(
      () => registry.update(sourceId, { metadata: { [NUL]: 1 } }),
      ErrorCode.INVALID_INPUT,
    );
    await failsWith(
      () => registry.updateConfig(sourceId, { username: LONE }),
      ErrorCode.INVALID_INPUT,
    );
    await failsWith(() => registry.clearTenant(LONE), ErrorCode.INVALID_INPUT);
    expect(store.readAllSync()).toHaveLength(1);
  });

  it('is refused by DataSourceConfig.create and fromDict', async () => {
    await failsWith(() => DataSourceConfig.create({ password: LONE }), ErrorCode.INVALID_INPUT);
    await failsWith(() => DataSourceConfig.fromDict({ api_key: NUL }), ErrorCode.INVALID_INPUT);
    await failsWith(() => DataSourceConfig.fromDict({ [LONE]: 'x' }), ErrorCode.INVALID_INPUT);
  });

  it('is refused by the queries rather than matched against nothing', async () => {
    const { registry } = createTestRegistry();
    await failsWith(() => registry.get(LONE), ErrorCode.INVALID_INPUT);
    await failsWith(() => registry.getByName(LONE, 'x'), ErrorCode.INVALID_INPUT);
    await failsWith(() => registry.list({ tenantId: NUL }), ErrorCode.INVALID_INPUT);
    await failsWith(() => registry.count({ tag: LONE }), ErrorCode.INVALID_INPUT);
    await failsWith(() => registry.getStatistics(LONE), ErrorCode.INVALID_INPUT);
  });

  it('is accepted when well-formed: astral, combining, right-to-left and control characters', async () => {
    const { registry } = createTestRegistry();
    const name = 'מקור 🦀 e\u0301 \u0007 tab\tend';
    const source = await registry.register(
      databaseInput({ tenantId: '租户-𝔘', name, tags: ['🏷️'], metadata: { '\u202e': '𝄞' } }),
    );
    expect(source).toMatchObject({
      tenantId: '租户-𝔘',
      name,
      tags: ['🏷️'],
      metadata: { '\u202e': '𝄞' },
    });
  });
});

describe('tenant ids, normalized like names (trimmed, NFC)', () => {
  const composed = 'caf\u00e9';
  const decomposed = ' cafe\u0301 ';

  it('make one tenant of two spellings of the same text', async () => {
    const { registry } = createTestRegistry();
    const a = await registry.register(databaseInput({ tenantId: composed, name: 'A' }));
    const b = await registry.register(databaseInput({ tenantId: decomposed, name: 'B' }));
    expect(a.tenantId).toBe(composed);
    expect(b.tenantId).toBe(composed);
  });

  it('keep names unique across the two spellings', async () => {
    const { registry } = createTestRegistry();
    await registry.register(databaseInput({ tenantId: composed }));
    await failsWith(
      () => registry.register(databaseInput({ tenantId: decomposed })),
      ErrorCode.DUPLICATE_NAME,
    );
  });

  it('are normalized by every query and by clearTenant', async () => {
    const { registry } = createTestRegistry();
    const source = await registry.register(databaseInput({ tenantId: composed, tags: ['prod'] }));
    expect(registry.getByName(decomposed, source.name)?.sourceId).toBe(source.sourceId);
    expect(registry.list({ tenantId: decomposed })).toHaveLength(1);
    expect(registry.count({ tenantId: decomposed, tag: 'prod' })).toBe(1);
    expect(registry.getStatistics(decomposed).totalSources).toBe(1);
    expect(await registry.clearTenant(decomposed)).toBe(1);
    expect(registry.count()).toBe(0);
  });
});
