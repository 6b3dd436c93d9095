import { describe, expect, it } from 'vitest';
import type { DataSourceCommand } from '../../src/domain/commands.js';
import { decide } from '../../src/domain/decide.js';
import { DataSourceType } from '../../src/domain/enums.js';
import { ErrorCode } from '../../src/domain/errors.js';
import type { EventDraft } from '../../src/domain/events.js';
import { EMPTY_STREAM } from '../../src/domain/stream.js';
import {
  config,
  draft,
  given,
  registerCommand,
  registered,
  registration,
} from '../support/given-when-then.js';

const deleted: EventDraft = { type: 'DataSourceDeleted', data: { reason: 'deleted' } };

describe('Register', () => {
  it('registering a new id records DataSourceRegistered with the source data', () => {
    const command = registerCommand({
      name: 'Warehouse',
      sourceType: DataSourceType.VECTOR,
      config: config({ host: 'vec.internal', apiKey: 'k-1' }),
      description: 'Embeddings',
      tags: ['ml', 'prod'],
      metadata: { team: 'search', shards: [1, 2] },
      accessRoles: ['analyst'],
      ownerId: 'user-7',
    });
    given()
      .when(command)
      .then([
        {
          type: 'DataSourceRegistered',
          data: {
            name: 'Warehouse',
            sourceType: DataSourceType.VECTOR,
            config: config({ host: 'vec.internal', apiKey: 'k-1' }),
            description: 'Embeddings',
            tags: ['ml', 'prod'],
            metadata: { team: 'search', shards: [1, 2] },
            accessRoles: ['analyst'],
            ownerId: 'user-7',
          },
        },
      ]);
  });

  it('the registration event leaves the tenant to the envelope, out of its data', () => {
    const [event] = decide(registerCommand(), EMPTY_STREAM);
    expect(event?.data).not.toHaveProperty('tenantId');
  });

  it('registering an id that is already live is DUPLICATE_ID', () => {
    given([registered()]).when(registerCommand()).thenThrows(ErrorCode.DUPLICATE_ID);
  });

  it('registering the id of a deleted source is DUPLICATE_ID', () => {
    given([registered(), deleted]).when(registerCommand()).thenThrows(ErrorCode.DUPLICATE_ID);
  });
});

describe('Update', () => {
  const source = () => given([registered({ name: 'Orders', description: 'old' })]);

  it('a new name records DataSourceRenamed from the old name to the new one', () => {
    source()
      .when({ type: 'Update', name: 'Sales' })
      .then([{ type: 'DataSourceRenamed', data: { from: 'Orders', to: 'Sales' } }]);
  });

  it('a name that differs only in case is still a rename', () => {
    source()
      .when({ type: 'Update', name: 'ORDERS' })
      .then([{ type: 'DataSourceRenamed', data: { from: 'Orders', to: 'ORDERS' } }]);
  });

  it('a new description records DataSourceDescriptionChanged', () => {
    source()
      .when({ type: 'Update', description: 'new' })
      .then([{ type: 'DataSourceDescriptionChanged', data: { description: 'new' } }]);
  });

  it('a null description clears the description', () => {
    source()
      .when({ type: 'Update', description: null })
      .then([{ type: 'DataSourceDescriptionChanged', data: { description: null } }]);
  });

  it('a new config records DataSourceConfigUpdated with the whole config', () => {
    const next = config({ host: 'replica.internal', port: 6432 });
    source()
      .when({ type: 'Update', config: next })
      .then([{ type: 'DataSourceConfigUpdated', data: { config: next } }]);
  });

  it('new metadata records DataSourceMetadataReplaced', () => {
    source()
      .when({ type: 'Update', metadata: { owner: 'ops' } })
      .then([{ type: 'DataSourceMetadataReplaced', data: { metadata: { owner: 'ops' } } }]);
  });

  it('several changes at once yield rename, description, config, metadata in that order', () => {
    const next = config({ host: 'replica.internal' });
    source()
      .when({
        type: 'Update',
        metadata: { owner: 'ops' },
        config: next,
        description: 'new',
        name: 'Sales',
      })
      .then([
        { type: 'DataSourceRenamed', data: { from: 'Orders', to: 'Sales' } },
        { type: 'DataSourceDescriptionChanged', data: { description: 'new' } },
        { type: 'DataSourceConfigUpdated', data: { config: next } },
        { type: 'DataSourceMetadataReplaced', data: { metadata: { owner: 'ops' } } },
      ]);
  });

  it('fields given with their current values yield nothing', () => {
    const current = registration({ name: 'Orders', description: 'old', metadata: { a: [1] } });
    given([{ type: 'DataSourceRegistered', data: current }])
      .when({
        type: 'Update',
        name: 'Orders',
        description: 'old',
        config: config({ host: 'db.internal', port: 5432, password: 's3cret' }),
        metadata: { a: [1] },
      })
      .thenNothing();
  });

  it('only the changed fields of an update yield events', () => {
    source()
      .when({ type: 'Update', name: 'Orders', description: 'new' })
      .then([{ type: 'DataSourceDescriptionChanged', data: { description: 'new' } }]);
  });

  it('metadata equal up to key order is unchanged', () => {
    given([registered({ metadata: { a: 1, b: { c: 2, d: 3 } } })])
      .when({ type: 'Update', metadata: { b: { d: 3, c: 2 }, a: 1 } })
      .thenNothing();
  });

  it('an update with no fields yields nothing', () => {
    source().when({ type: 'Update' }).thenNothing();
  });
});

describe('UpdateConfig', () => {
  it('a different config records DataSourceConfigUpdated', () => {
    const next = config({ host: 'db2.internal', poolSize: 10 });
    given([registered()])
      .when({ type: 'UpdateConfig', config: next })
      .then([{ type: 'DataSourceConfigUpdated', data: { config: next } }]);
  });

  it('the same config again yields nothing', () => {
    given([registered()])
      .when({
        type: 'UpdateConfig',
        config: config({ host: 'db.internal', port: 5432, password: 's3cret' }),
      })
      .thenNothing();
  });
});

describe('status commands', () => {
  it('activating a pending source records DataSourceActivated', () => {
    given([registered()]).when({ type: 'Activate' }).then([draft.activated]);
  });

  it('deactivating an active source records DataSourceDeactivated', () => {
    given([registered(), draft.activated]).when({ type: 'Deactivate' }).then([draft.deactivated]);
  });

  it('deprecating an active source records DataSourceDeprecated', () => {
    given([registered(), draft.activated]).when({ type: 'Deprecate' }).then([draft.deprecated]);
  });
});

describe('RecordConnection and RecordError', () => {
  it('recording a connection records ConnectionRecorded', () => {
    given([registered()]).when({ type: 'RecordConnection' }).then([draft.connectionRecorded]);
  });

  it('recording a connection counts every time, never a no-op', () => {
    given([registered(), draft.connectionRecorded, draft.connectionRecorded])
      .when({ type: 'RecordConnection' })
      .then([draft.connectionRecorded]);
  });

  it('recording an error records ErrorRecorded with the message', () => {
    given([registered()])
      .when({ type: 'RecordError', message: 'timeout after 30s' })
      .then([{ type: 'ErrorRecorded', data: { error: 'timeout after 30s' } }]);
  });

  it('recording the same error twice counts it twice', () => {
    given([registered(), { type: 'ErrorRecorded', data: { error: 'boom' } }])
      .when({ type: 'RecordError', message: 'boom' })
      .then([{ type: 'ErrorRecorded', data: { error: 'boom' } }]);
  });
});

describe('tags and access roles', () => {
  it('adding a new tag records TagAdded', () => {
    given([registered({ tags: ['prod'] })])
      .when({ type: 'AddTag', tag: 'pii' })
      .then([{ type: 'TagAdded', data: { tag: 'pii' } }]);
  });

  it('adding a tag the source has is a no-op', () => {
    given([registered({ tags: ['prod'] })])
      .when({ type: 'AddTag', tag: 'prod' })
      .thenNothing();
  });

  it('removing a tag the source has records TagRemoved', () => {
    given([registered({ tags: ['prod'] })])
      .when({ type: 'RemoveTag', tag: 'prod' })
      .then([{ type: 'TagRemoved', data: { tag: 'prod' } }]);
  });

  it('removing a tag the source lacks is a no-op', () => {
    given([registered({ tags: ['prod'] })])
      .when({ type: 'RemoveTag', tag: 'pii' })
      .thenNothing();
  });

  it('granting a new role records AccessGranted', () => {
    given([registered()])
      .when({ type: 'GrantAccess', role: 'analyst' })
      .then([{ type: 'AccessGranted', data: { role: 'analyst' } }]);
  });

  it('granting a role the source already grants is a no-op', () => {
    given([registered({ accessRoles: ['analyst'] })])
      .when({ type: 'GrantAccess', role: 'analyst' })
      .thenNothing();
  });

  it('revoking a granted role records AccessRevoked', () => {
    given([registered({ accessRoles: ['analyst'] })])
      .when({ type: 'RevokeAccess', role: 'analyst' })
      .then([{ type: 'AccessRevoked', data: { role: 'analyst' } }]);
  });

  it('revoking a role the source does not grant is a no-op', () => {
    given([registered({ accessRoles: ['analyst'] })])
      .when({ type: 'RevokeAccess', role: 'admin' })
      .thenNothing();
  });
});

describe('Delete', () => {
  it('deleting a live source records DataSourceDeleted with the reason "deleted"', () => {
    given([registered()])
      .when({ type: 'Delete', reason: 'deleted' })
      .then([{ type: 'DataSourceDeleted', data: { reason: 'deleted' } }]);
  });

  it('clearing the tenant deletes with the reason "tenant_cleared"', () => {
    given([registered()])
      .when({ type: 'Delete', reason: 'tenant_cleared' })
      .then([{ type: 'DataSourceDeleted', data: { reason: 'tenant_cleared' } }]);
  });

  it('a deprecated source can still be deleted', () => {
    given([registered(), draft.deprecated])
      .when({ type: 'Delete', reason: 'deleted' })
      .then([{ type: 'DataSourceDeleted', data: { reason: 'deleted' } }]);
  });
});

describe('a missing or deleted stream', () => {
  const everyCommandButRegister: DataSourceCommand[] = [
    { type: 'Update', name: 'Other' },
    { type: 'UpdateConfig', config: config({ host: 'h' }) },
    { type: 'Activate' },
    { type: 'Deactivate' },
    { type: 'Deprecate' },
    { type: 'RecordConnection' },
    { type: 'RecordError', message: 'boom' },
    { type: 'AddTag', tag: 't' },
    { type: 'RemoveTag', tag: 't' },
    { type: 'GrantAccess', role: 'r' },
    { type: 'RevokeAccess', role: 'r' },
    { type: 'Delete', reason: 'deleted' },
  ];

  it.each(everyCommandButRegister)(
    '$type on a stream that was never registered throws',
    (command) => {
      given().when(command).thenThrows(ErrorCode.INVALID_TRANSITION);
    },
  );

  it.each(everyCommandButRegister)('$type on a deleted source throws', (command) => {
    given([registered(), deleted]).when(command).thenThrows(ErrorCode.INVALID_TRANSITION);
  });

  it('the refusal on a deleted source says it was deleted', () => {
    const error = given([registered(), deleted])
      .when({ type: 'Activate' })
      .thenThrows(ErrorCode.INVALID_TRANSITION);
    expect(error.message).toMatch(/deleted/);
  });
});
