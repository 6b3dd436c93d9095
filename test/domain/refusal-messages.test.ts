/**
 * A refused command says what was refused and why, in words a person reads
 * in a log: the source, the action and the state that forbids it. The codes
 * are tested in decide.test.ts; these tests pin the words and details.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/domain/errors.js';
import type { EventDraft } from '../../src/domain/events.js';
import { LIMITS } from '../../src/domain/limits.js';
import {
  config,
  draft,
  given,
  registerCommand,
  registered,
  SOURCE_ID,
} from '../support/given-when-then.js';

const deleted: EventDraft = { type: 'DataSourceDeleted', data: { reason: 'deleted' } };
const deprecatedSource = given([registered(), draft.deprecated]);

describe('the message of a refused command', () => {
  it.each([
    [{ type: 'Activate' } as const, 'activate'],
    [{ type: 'Deactivate' } as const, 'deactivate'],
    [{ type: 'UpdateConfig', config: config({ host: 'other' }) } as const, 'change the config of'],
  ])(
    'names the action, the source and its status when a deprecated source refuses %o',
    (command, action) => {
      const error = deprecatedSource.when(command).thenThrows(ErrorCode.INVALID_TRANSITION);
      expect(error.message).toBe(`Cannot ${action} data source ${SOURCE_ID}: it is deprecated`);
      expect(error.details).toEqual({ status: 'deprecated', action });
      expect(error.sourceId).toBe(SOURCE_ID);
    },
  );

  it('says the config cannot change when an update brings a new config to a deprecated source', () => {
    const error = deprecatedSource
      .when({ type: 'Update', config: config({ host: 'other' }) })
      .thenThrows(ErrorCode.INVALID_TRANSITION);
    expect(error.message).toBe(
      `Cannot change the config of data source ${SOURCE_ID}: it is deprecated`,
    );
  });

  it('says a source already exists when its id is registered again', () => {
    const error = given([registered()]).when(registerCommand()).thenThrows(ErrorCode.DUPLICATE_ID);
    expect(error.message).toBe(`Data source ${SOURCE_ID} already exists`);
    expect(error.sourceId).toBe(SOURCE_ID);
  });

  it('says the id of a deleted source cannot be used again', () => {
    const error = given([registered(), deleted])
      .when(registerCommand())
      .thenThrows(ErrorCode.DUPLICATE_ID);
    expect(error.message).toBe('A deleted data source id cannot be used again');
  });

  it('says there is no such source, and names the command, for a command on a source never registered', () => {
    const error = given([]).when({ type: 'Activate' }).thenThrows(ErrorCode.INVALID_TRANSITION);
    expect(error.message).toBe('No such data source');
    expect(error.details).toEqual({ action: 'Activate' });
  });

  it('says the source was deleted, and names the command, for a command on a deleted source', () => {
    const error = given([registered(), deleted])
      .when({ type: 'Deactivate' })
      .thenThrows(ErrorCode.INVALID_TRANSITION);
    expect(error.message).toBe('The data source was deleted');
    expect(error.details).toEqual({ action: 'Deactivate' });
  });

  it('names the limit of tags when one tag too many is added', () => {
    const tags = Array.from({ length: LIMITS.tagsPerSource }, (_, i) => `t${i}`);
    const error = given([registered({ tags })])
      .when({ type: 'AddTag', tag: 'one-more' })
      .thenThrows(ErrorCode.INVALID_INPUT);
    const message = `must hold at most ${LIMITS.tagsPerSource} distinct tags`;
    expect(error.message).toBe(`Data source ${SOURCE_ID} tags ${message}`);
    expect(error.details).toEqual({ issues: [{ path: 'tags', message }] });
  });

  it('names the limit of roles when one role too many is granted', () => {
    const accessRoles = Array.from({ length: LIMITS.rolesPerSource }, (_, i) => `r${i}`);
    const error = given([registered({ accessRoles })])
      .when({ type: 'GrantAccess', role: 'one-more' })
      .thenThrows(ErrorCode.INVALID_INPUT);
    const message = `must hold at most ${LIMITS.rolesPerSource} distinct roles`;
    expect(error.message).toBe(`Data source ${SOURCE_ID} accessRoles ${message}`);
    expect(error.details).toEqual({ issues: [{ path: 'accessRoles', message }] });
  });
});
