/**
 * How the registry reads a caller's arguments into commands, one function at
 * a time: what a refusal names (the input, the source id it was about) and
 * which ids take the shortcut past the schema.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/domain/errors.js';
import { LIMITS } from '../../src/domain/limits.js';
import {
  isPlainId,
  parseLabelCommand,
  parseRegister,
  parseSourceId,
  parseTenantCommand,
} from '../../src/registry/parse-commands.js';
import { caught } from '../support/given-when-then.js';
import { databaseInput } from '../support/registry-fixtures.js';

const newId = () => 'generated-id';

describe('a registration', () => {
  it('takes the id it names, or a new one', () => {
    expect(parseRegister(databaseInput({ sourceId: 'orders-1' }), newId).sourceId).toBe('orders-1');
    expect(parseRegister(databaseInput(), newId).sourceId).toBe('generated-id');
  });

  it('fills in what was left out', () => {
    const { command } = parseRegister(
      { tenantId: ' acme ', name: ' Orders ', sourceType: 'file' },
      newId,
    );
    expect(command).toMatchObject({
      type: 'Register',
      tenantId: 'acme',
      name: 'Orders',
      sourceType: 'file',
      description: null,
      tags: [],
      metadata: {},
      accessRoles: [],
      ownerId: null,
    });
  });

  it('that is refused names the data source and the source id it asked for', () => {
    const error = caught(() =>
      parseRegister(databaseInput({ sourceId: 'orders-1', name: '' }), newId),
    );
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toMatch(/^Invalid data source: name: /);
    expect(error.sourceId).toBe('orders-1');
  });

  it('that is refused without a source id of its own names none', () => {
    const error = caught(() => parseRegister(databaseInput({ name: '' }), newId));
    expect(error.sourceId).toBeNull();
  });

  it('that is refused names no source id when the one given is not a string', () => {
    const input = { ...databaseInput(), sourceId: 42 } as unknown as ReturnType<
      typeof databaseInput
    >;
    const error = caught(() => parseRegister(input, newId));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.sourceId).toBeNull();
  });

  it('that is not an object is refused with no source id', () => {
    for (const input of [null, 'orders-1', ['orders-1']]) {
      const error = caught(() => parseRegister(input as never, newId));
      expect(error.code).toBe(ErrorCode.INVALID_INPUT);
      expect(error.sourceId).toBeNull();
    }
  });

  it('never runs a getter to find the source id to name', () => {
    let reads = 0;
    const input = {
      ...databaseInput({ name: '' }),
      get sourceId() {
        reads++;
        return 'orders-1';
      },
    };
    const before = reads;
    const error = caught(() => parseRegister(input, newId));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    // The copy taken for the schema reads it once; naming it in the error does not.
    expect(reads - before).toBeLessThanOrEqual(1);
    expect(error.sourceId).toBeNull();
  });
});

describe('a tag or role command', () => {
  it('keeps the label trimmed', () => {
    expect(parseLabelCommand('AddTag', ' blue ', 'src-1')).toEqual({ type: 'AddTag', tag: 'blue' });
    expect(parseLabelCommand('RevokeAccess', ' ops ', 'src-1')).toEqual({
      type: 'RevokeAccess',
      role: 'ops',
    });
  });

  it('that is refused says whether a tag or a role was wrong, and names the source', () => {
    const tag = caught(() => parseLabelCommand('RemoveTag', '  ', 'src-1'));
    expect(tag.message).toMatch(/^Invalid tag: /);
    expect(tag.sourceId).toBe('src-1');

    const role = caught(() => parseLabelCommand('GrantAccess', '', 'src-2'));
    expect(role.message).toMatch(/^Invalid role: /);
    expect(role.sourceId).toBe('src-2');
  });
});

describe('a source id', () => {
  it('that is printable ASCII without spaces and within the limit is plain', () => {
    for (const id of ['a', '01JD0000000000000000000000', '~!#', 'x'.repeat(LIMITS.sourceIdBytes)]) {
      expect(isPlainId(id)).toBe(true);
    }
  });

  it('with a space, a control or non-ASCII character, empty or too long is not plain', () => {
    for (const id of [
      '',
      'a b',
      ' a',
      'a\u001f',
      'a\u007f',
      'é',
      'x'.repeat(LIMITS.sourceIdBytes + 1),
      42,
    ]) {
      expect(isPlainId(id)).toBe(false);
    }
  });

  it('that is not plain gets the schema: kept exactly when valid, refused with the reasons when not', () => {
    expect(parseSourceId('orders é 1')).toBe('orders é 1');
    const error = caught(() => parseSourceId(' orders'));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toBe('Invalid source id: must not start or end with whitespace');
  });
});

describe('a command on a whole tenant', () => {
  it('takes the tenant id normalized and the context', () => {
    const { tenant, context } = parseTenantCommand('clearTenant', ' acme ', { actor: 'ops' });
    expect(tenant).toBe('acme');
    expect(context.expectedVersion).toBeUndefined();
  });

  it('refuses a tenant id that is not one, saying so', () => {
    const error = caught(() => parseTenantCommand('clearTenant', '', undefined));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toMatch(/^Invalid tenant id: /);
  });

  it('refuses an expected version, which applies to one source', () => {
    const error = caught(() => parseTenantCommand('purgeTenant', 'acme', { expectedVersion: 3 }));
    expect(error.code).toBe(ErrorCode.INVALID_INPUT);
    expect(error.message).toBe('expectedVersion applies to one source, not to purgeTenant');
    expect(error.details).toEqual({
      issues: [{ path: 'expectedVersion', message: 'not allowed here' }],
    });
  });
});
