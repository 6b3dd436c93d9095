import { describe, expect, it } from 'vitest';
import {
  commandContextSchema,
  registerInputSchema,
  sourceIdSchema,
  tagSchema,
  updateInputSchema,
} from '../../src/domain/commands.js';

const minimal = { tenantId: 'acme', name: 'Orders', sourceType: 'database' };

/** The paths of the issues a failed parse reports. */
function failedPaths(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) {
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((issue) => issue.path.map(String).join('.'));
}

describe('registerInputSchema', () => {
  it('accepts the minimal registration: tenant, name and type', () => {
    expect(registerInputSchema.parse(minimal)).toEqual(minimal);
  });

  it('trims the tenant id and the name', () => {
    expect(
      registerInputSchema.parse({ ...minimal, tenantId: ' acme ', name: '\tOrders DB ' }),
    ).toMatchObject({ tenantId: 'acme', name: 'Orders DB' });
  });

  it('trims every tag and role', () => {
    expect(
      registerInputSchema.parse({ ...minimal, tags: [' prod '], accessRoles: [' analyst'] }),
    ).toMatchObject({ tags: ['prod'], accessRoles: ['analyst'] });
  });

  it.each([
    ['tenantId', { tenantId: '   ' }],
    ['name', { name: '' }],
    ['name', { name: ' \n ' }],
    ['tags.1', { tags: ['ok', '  '] }],
    ['accessRoles.0', { accessRoles: [''] }],
  ])('rejects %s when it is empty after trimming', (path, patch) => {
    expect(failedPaths(registerInputSchema.safeParse({ ...minimal, ...patch }))).toEqual([path]);
  });

  it('rejects an unknown key rather than dropping it', () => {
    const result = registerInputSchema.safeParse({ ...minimal, tag: ['prod'] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('tag');
  });

  it('rejects a source type outside the enum', () => {
    expect(failedPaths(registerInputSchema.safeParse({ ...minimal, sourceType: 'sql' }))).toEqual([
      'sourceType',
    ]);
  });

  it('dedupes the tags, after trimming, keeping the first occurrence order', () => {
    expect(registerInputSchema.parse({ ...minimal, tags: ['b', 'a', ' b', 'a '] }).tags).toEqual([
      'b',
      'a',
    ]);
  });

  it('dedupes the access roles', () => {
    expect(
      registerInputSchema.parse({ ...minimal, accessRoles: ['admin', 'admin'] }).accessRoles,
    ).toEqual(['admin']);
  });

  it('checks the config strictly, so a misspelt config key fails', () => {
    expect(
      failedPaths(registerInputSchema.safeParse({ ...minimal, config: { pasword: 'x' } })),
    ).toEqual(['config']);
  });

  it('rejects metadata that is not JSON', () => {
    expect(
      failedPaths(registerInputSchema.safeParse({ ...minimal, metadata: { at: new Date(0) } })),
    ).toEqual(['metadata.at']);
  });

  it('rejects a whitespace-padded source id', () => {
    expect(failedPaths(registerInputSchema.safeParse({ ...minimal, sourceId: ' src-1' }))).toEqual([
      'sourceId',
    ]);
  });
});

describe('sourceIdSchema', () => {
  it('accepts an id as it is', () => {
    expect(sourceIdSchema.parse('01HZX3S9K2')).toBe('01HZX3S9K2');
  });

  it.each(['src-1 ', ' src-1', '\tsrc-1'])('rejects the padded id %j', (id) => {
    expect(sourceIdSchema.safeParse(id).success).toBe(false);
  });

  it('rejects an empty id', () => {
    expect(sourceIdSchema.safeParse('').success).toBe(false);
  });

  it('rejects an id longer than 200 characters', () => {
    expect(sourceIdSchema.safeParse('x'.repeat(201)).success).toBe(false);
    expect(sourceIdSchema.safeParse('x'.repeat(200)).success).toBe(true);
  });
});

describe('tagSchema', () => {
  it('trims a label', () => {
    expect(tagSchema.parse('  pii ')).toBe('pii');
  });

  it('rejects a blank label with a readable message', () => {
    expect(tagSchema.safeParse('  ').error?.issues[0]?.message).toBe('must not be empty');
  });
});

describe('updateInputSchema', () => {
  it('accepts an empty update', () => {
    expect(updateInputSchema.parse({})).toEqual({});
  });

  it('trims a new name', () => {
    expect(updateInputSchema.parse({ name: ' Sales ' })).toEqual({ name: 'Sales' });
  });

  it('rejects a blank new name', () => {
    expect(failedPaths(updateInputSchema.safeParse({ name: ' ' }))).toEqual(['name']);
  });

  it('accepts a null description, which clears it', () => {
    expect(updateInputSchema.parse({ description: null })).toEqual({ description: null });
  });

  it('rejects an unknown key', () => {
    expect(updateInputSchema.safeParse({ status: 'active' }).success).toBe(false);
  });
});

describe('commandContextSchema', () => {
  it('accepts who acted and why', () => {
    const ctx = { actor: 'u-1', correlationId: 'c', causationId: 'e', expectedVersion: 0 };
    expect(commandContextSchema.parse(ctx)).toEqual(ctx);
  });

  it.each([-1, 1.5])('rejects the expected version %s', (expectedVersion) => {
    expect(commandContextSchema.safeParse({ expectedVersion }).success).toBe(false);
  });

  it('rejects an unknown key', () => {
    expect(commandContextSchema.safeParse({ user: 'u-1' }).success).toBe(false);
  });
});
