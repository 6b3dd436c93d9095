import { describe, expect, it } from 'vitest';
import {
  CustomerDataSource,
  customerDataSourceSchema,
  nameKey,
} from '../../src/domain/data-source.js';
import { DataSourceStatus, DataSourceType } from '../../src/domain/enums.js';
import type { EventDraft } from '../../src/domain/events.js';
import { SECRET_MASK } from '../../src/domain/secrets.js';
import {
  config,
  draft,
  given,
  registered,
  SOURCE_ID,
  TENANT_ID,
  timeOf,
} from '../support/given-when-then.js';

/** The live source that these events fold to. */
function sourceOf(drafts: EventDraft[]): CustomerDataSource {
  const { source } = given(drafts).state;
  if (source === null) throw new Error('these events leave no live source');
  return source;
}

describe('CustomerDataSource.hasAccess', () => {
  it('lets every role in when the source lists no roles', () => {
    expect(CustomerDataSource.hasAccess(sourceOf([registered()]), 'anyone')).toBe(true);
  });

  it('lets a listed role in', () => {
    const source = sourceOf([registered({ accessRoles: ['analyst', 'admin'] })]);
    expect(CustomerDataSource.hasAccess(source, 'admin')).toBe(true);
  });

  it('keeps an unlisted role out once any role is listed', () => {
    const source = sourceOf([registered({ accessRoles: ['analyst'] })]);
    expect(CustomerDataSource.hasAccess(source, 'intern')).toBe(false);
  });

  it('lets everyone in again once the last role is revoked', () => {
    const source = sourceOf([
      registered({ accessRoles: ['analyst'] }),
      { type: 'AccessRevoked', data: { role: 'analyst' } },
    ]);
    expect(CustomerDataSource.hasAccess(source, 'intern')).toBe(true);
  });
});

describe('CustomerDataSource.toDict', () => {
  const source = sourceOf([
    registered({
      name: 'Orders',
      sourceType: DataSourceType.DATABASE,
      config: config({ host: 'db', password: 'pw', oauthConfig: { token: 't' } }),
      secretFingerprints: { password: '0123456789abcdef', 'oauthConfig.token': 'fedcba9876543210' },
      description: 'All orders',
      tags: ['prod'],
      metadata: { team: 'core' },
      accessRoles: ['analyst'],
      ownerId: 'user-1',
    }),
    draft.activated,
    draft.connectionRecorded,
  ]);

  it('has the Python module’s to_dict shape, in snake_case', () => {
    expect(CustomerDataSource.toDict(source)).toEqual({
      source_id: SOURCE_ID,
      tenant_id: TENANT_ID,
      name: 'Orders',
      source_type: 'database',
      config: expect.objectContaining({ host: 'db', pool_size: 5 }),
      secret_fingerprints: {
        password: '0123456789abcdef',
        'oauthConfig.token': 'fedcba9876543210',
      },
      status: DataSourceStatus.ACTIVE,
      description: 'All orders',
      tags: ['prod'],
      metadata: { team: 'core' },
      access_roles: ['analyst'],
      owner_id: 'user-1',
      last_connected: timeOf(3),
      last_error: null,
      connection_count: 1,
      error_count: 0,
      created_at: timeOf(1),
      updated_at: timeOf(3),
    });
  });

  it('masks the secrets of the config by default', () => {
    expect(CustomerDataSource.toDict(source).config).toMatchObject({
      password: SECRET_MASK,
      oauth_config: { token: SECRET_MASK },
    });
  });

  it('shows the secrets with includeSecrets', () => {
    expect(CustomerDataSource.toDict(source, { includeSecrets: true }).config).toMatchObject({
      password: 'pw',
      oauth_config: { token: 't' },
    });
  });

  it('returns copies, so changing the dict leaves the frozen source alone', () => {
    const dict = CustomerDataSource.toDict(source);
    (dict.tags as string[]).push('changed');
    (dict.metadata as Record<string, unknown>).team = 'changed';
    expect(source.tags).toEqual(['prod']);
    expect(source.metadata).toEqual({ team: 'core' });
  });
});

describe('the state of a source', () => {
  it('passes its own schema after any fold', () => {
    const source = sourceOf([
      registered(),
      draft.activated,
      { type: 'ErrorRecorded', data: { error: 'x' } },
    ]);
    expect(() => customerDataSourceSchema.parse(source)).not.toThrow();
  });
});

describe('nameKey', () => {
  it('trims the name', () => {
    expect(nameKey('  orders \t')).toBe('orders');
  });

  it('ignores case', () => {
    expect(nameKey(' ORDERS ')).toBe(nameKey('orders'));
  });

  it('gives a composed and a decomposed é the same key', () => {
    const composed = 'Caf\u00e9';
    const decomposed = 'Cafe\u0301';
    expect(composed).not.toBe(decomposed);
    expect(nameKey(composed)).toBe(nameKey(decomposed));
  });

  it('keeps different names apart', () => {
    expect(nameKey('Orders')).not.toBe(nameKey('Order'));
  });

  it('keeps inner whitespace as part of the name', () => {
    expect(nameKey('Orders DB')).not.toBe(nameKey('OrdersDB'));
  });
});
