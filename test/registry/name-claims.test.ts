/**
 * The name claims a command's events take and give up in the store: what
 * keeps two live sources of one tenant from sharing a name, across
 * registries, without reading the tenant's sources.
 */
import { describe, expect, it } from 'vitest';
import type { CustomerDataSource } from '../../src/domain/data-source.js';
import type { EventDraft } from '../../src/domain/events.js';
import { nameChange, nameClaim, tenantOfNameScope } from '../../src/registry/name-claims.js';
import { draft, registered } from '../support/given-when-then.js';

const named = (name: string) => ({ name }) as CustomerDataSource;
const renamed = (from: string, to: string): EventDraft => ({
  type: 'DataSourceRenamed',
  data: { from, to },
});
const deleted: EventDraft = { type: 'DataSourceDeleted', data: { reason: 'deleted' } };

describe('the name claims of a command', () => {
  it('claim the name a registration takes', () => {
    expect(nameChange('src-1', 'acme', null, [registered({ name: 'Orders DB' })])).toEqual({
      claims: [nameClaim('acme', 'Orders DB', 'src-1')],
      releases: [],
      taken: 'Orders DB',
    });
  });

  it('are none for events that leave the name as it was', () => {
    expect(nameChange('src-1', 'acme', named('Orders'), [draft.activated])).toEqual({
      claims: [],
      releases: [],
      taken: null,
    });
  });

  it('release the old name and claim the new one on a rename', () => {
    expect(nameChange('src-1', 'acme', named('Orders'), [renamed('Orders', 'Sales')])).toEqual({
      claims: [nameClaim('acme', 'Sales', 'src-1')],
      releases: [nameClaim('acme', 'Orders', 'src-1')],
      taken: 'Sales',
    });
  });

  it('are none for a rename that only changes case, which keeps the same claim', () => {
    expect(nameChange('src-1', 'acme', named('Orders'), [renamed('Orders', 'ORDERS')])).toEqual({
      claims: [],
      releases: [],
      taken: null,
    });
  });

  it('release the name of a deleted source', () => {
    expect(nameChange('src-1', 'acme', named('Orders'), [deleted])).toEqual({
      claims: [],
      releases: [nameClaim('acme', 'Orders', 'src-1')],
      taken: null,
    });
  });

  it('follow the name through several events of one command', () => {
    const change = nameChange('src-1', 'acme', null, [
      registered({ name: 'Orders' }),
      renamed('Orders', 'orders'),
      renamed('orders', 'Sales'),
    ]);
    expect(change).toEqual({
      claims: [nameClaim('acme', 'Orders', 'src-1'), nameClaim('acme', 'Sales', 'src-1')],
      releases: [nameClaim('acme', 'orders', 'src-1')],
      taken: 'Sales',
    });
  });
});

describe('a name claim', () => {
  it('is scoped to its tenant and keyed by the normalized name', () => {
    expect(nameClaim('acme', ' Orders ', 'src-1')).toEqual({
      scope: 'name:acme',
      key: 'orders',
      owner: 'src-1',
    });
    expect(tenantOfNameScope('name:acme')).toBe('acme');
    expect(tenantOfNameScope('other:acme')).toBe('other:acme');
  });
});
