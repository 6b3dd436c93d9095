import type { DataSourceCommand } from './commands.js';
import type { DataSourceConfig } from './config.js';
import type { CustomerDataSource } from './data-source.js';
import { DataSourceStatus } from './enums.js';
import { DataSourceError, ErrorCode } from './errors.js';
import type { EventDraft } from './events.js';
import { jsonEqual } from './json.js';
import { LIMITS } from './limits.js';
import { keepMaskedSecrets } from './secret-masks.js';
import type { SourceStream } from './stream.js';

function invalidTransition(source: CustomerDataSource, action: string): DataSourceError {
  return new DataSourceError(
    `Cannot ${action} data source ${source.sourceId}: it is ${source.status}`,
    {
      code: ErrorCode.INVALID_TRANSITION,
      sourceId: source.sourceId,
      sourceType: source.sourceType,
      details: { status: source.status, action },
    },
  );
}

/** Status changes to a new status: a no-op when already there, refused from deprecated. */
function changeStatus(
  source: CustomerDataSource,
  to: DataSourceStatus,
  draft: EventDraft,
  action: string,
): EventDraft[] {
  if (source.status === to) return [];
  if (source.status === DataSourceStatus.DEPRECATED) throw invalidTransition(source, action);
  return [draft];
}

function changeConfig(source: CustomerDataSource, config: DataSourceConfig): EventDraft[] {
  const next = keepMaskedSecrets(config, source.config);
  if (jsonEqual(next, source.config)) return [];
  if (source.status === DataSourceStatus.DEPRECATED) {
    throw invalidTransition(source, 'change the config of');
  }
  return [{ type: 'DataSourceConfigUpdated', data: { config: next } }];
}

/** A label added to a list that is full already: refused before anything is written. */
function tooMany(source: CustomerDataSource, field: 'tags' | 'accessRoles', max: number) {
  const message = `must hold at most ${max} distinct ${field === 'tags' ? 'tags' : 'roles'}`;
  return new DataSourceError(`Data source ${source.sourceId} ${field} ${message}`, {
    code: ErrorCode.INVALID_INPUT,
    sourceId: source.sourceId,
    details: { issues: [{ path: field, message }] },
  });
}

function decideOnLive(command: DataSourceCommand, source: CustomerDataSource): EventDraft[] {
  switch (command.type) {
    case 'Register':
      // The id may belong to another tenant: say it is taken, and nothing of what holds it.
      throw new DataSourceError(`Data source ${source.sourceId} already exists`, {
        code: ErrorCode.DUPLICATE_ID,
        sourceId: source.sourceId,
      });
    case 'Update': {
      const events: EventDraft[] = [];
      if (command.name !== undefined && command.name !== source.name) {
        events.push({ type: 'DataSourceRenamed', data: { from: source.name, to: command.name } });
      }
      if (command.description !== undefined && command.description !== source.description) {
        events.push({
          type: 'DataSourceDescriptionChanged',
          data: { description: command.description },
        });
      }
      if (command.config !== undefined) events.push(...changeConfig(source, command.config));
      if (command.metadata !== undefined && !jsonEqual(command.metadata, source.metadata)) {
        events.push({ type: 'DataSourceMetadataReplaced', data: { metadata: command.metadata } });
      }
      return events;
    }
    case 'UpdateConfig':
      return changeConfig(source, command.config);
    case 'Activate':
      return changeStatus(
        source,
        DataSourceStatus.ACTIVE,
        { type: 'DataSourceActivated', data: {} },
        'activate',
      );
    case 'Deactivate':
      return changeStatus(
        source,
        DataSourceStatus.INACTIVE,
        { type: 'DataSourceDeactivated', data: {} },
        'deactivate',
      );
    case 'Deprecate':
      return source.status === DataSourceStatus.DEPRECATED
        ? []
        : [{ type: 'DataSourceDeprecated', data: {} }];
    case 'RecordConnection':
      return [{ type: 'ConnectionRecorded', data: {} }];
    case 'RecordError':
      return [{ type: 'ErrorRecorded', data: { error: command.message } }];
    case 'AddTag':
      if (source.tags.includes(command.tag)) return [];
      if (source.tags.length >= LIMITS.tagsPerSource) {
        throw tooMany(source, 'tags', LIMITS.tagsPerSource);
      }
      return [{ type: 'TagAdded', data: { tag: command.tag } }];
    case 'RemoveTag':
      return source.tags.includes(command.tag)
        ? [{ type: 'TagRemoved', data: { tag: command.tag } }]
        : [];
    case 'GrantAccess':
      if (source.accessRoles.includes(command.role)) return [];
      if (source.accessRoles.length >= LIMITS.rolesPerSource) {
        throw tooMany(source, 'accessRoles', LIMITS.rolesPerSource);
      }
      return [{ type: 'AccessGranted', data: { role: command.role } }];
    case 'RevokeAccess':
      return source.accessRoles.includes(command.role)
        ? [{ type: 'AccessRevoked', data: { role: command.role } }]
        : [];
    case 'Delete':
      return [{ type: 'DataSourceDeleted', data: { reason: command.reason } }];
    default: {
      // A new command does not compile until it is decided here.
      const unhandled: never = command;
      return unhandled;
    }
  }
}

/**
 * Decides which events a command produces on one source's stream, or throws
 * the DataSourceError that refuses it. Pure: no clock, no ids, no I/O.
 *
 * A command that would change nothing yields no events. Name uniqueness spans
 * streams, so the registry and the store enforce it, not this function.
 */
export function decide(command: DataSourceCommand, stream: SourceStream): EventDraft[] {
  if (stream.source !== null) return decideOnLive(command, stream.source);
  if (command.type !== 'Register') {
    throw new DataSourceError(
      stream.version > 0 ? 'The data source was deleted' : 'No such data source',
      { code: ErrorCode.INVALID_TRANSITION, details: { action: command.type } },
    );
  }
  if (stream.version > 0) {
    throw new DataSourceError('A deleted data source id cannot be used again', {
      code: ErrorCode.DUPLICATE_ID,
    });
  }
  // The tenant goes in the envelope, not in the event's data.
  const { type: _, tenantId: _tenantId, ...data } = command;
  return [
    {
      type: 'DataSourceRegistered',
      data: { ...data, config: keepMaskedSecrets(command.config, null) },
    },
  ];
}
