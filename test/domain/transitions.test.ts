/**
 * Every cell of the status-transition table (docs/events.md):
 *
 * | from \ to                            | active  | inactive | deprecated | configuring | error (recordError)  |
 * | pending, configuring, inactive, error| yes     | yes      | yes        | yes         | yes                  |
 * | active                               | no-op   | yes      | yes        | yes         | yes                  |
 * | deprecated                           | INVALID | INVALID  | no-op      | INVALID     | counted, status stays|
 *
 * A status change to the status the source already has changes nothing, so
 * deactivating an inactive source is a no-op too.
 */
import { describe, expect, it } from 'vitest';
import type { DataSourceCommand } from '../../src/domain/commands.js';
import { decide } from '../../src/domain/decide.js';
import { DataSourceStatus } from '../../src/domain/enums.js';
import { ErrorCode } from '../../src/domain/errors.js';
import type { EventDraft } from '../../src/domain/events.js';
import { config, draft, given, registered } from '../support/given-when-then.js';

type Action = 'activate' | 'deactivate' | 'deprecate' | 'config' | 'recordError';
type Outcome = 'yes' | 'no-op' | 'INVALID_TRANSITION' | 'counted, status stays';

const YES = 'yes';
const NOOP = 'no-op';
const INVALID = 'INVALID_TRANSITION';
const COUNTED = 'counted, status stays';

const table: Record<DataSourceStatus, Record<Action, Outcome>> = {
  pending: { activate: YES, deactivate: YES, deprecate: YES, config: YES, recordError: YES },
  configuring: { activate: YES, deactivate: YES, deprecate: YES, config: YES, recordError: YES },
  inactive: { activate: YES, deactivate: NOOP, deprecate: YES, config: YES, recordError: YES },
  error: { activate: YES, deactivate: YES, deprecate: YES, config: YES, recordError: YES },
  active: { activate: NOOP, deactivate: YES, deprecate: YES, config: YES, recordError: YES },
  deprecated: {
    activate: INVALID,
    deactivate: INVALID,
    deprecate: NOOP,
    config: INVALID,
    recordError: COUNTED,
  },
};

/** The history that leaves a fresh source in each status. */
const historyOf: Record<DataSourceStatus, EventDraft[]> = {
  pending: [registered()],
  configuring: [
    registered(),
    { type: 'DataSourceConfigUpdated', data: { config: config({ host: 'staging.internal' }) } },
  ],
  inactive: [registered(), draft.deactivated],
  error: [registered(), { type: 'ErrorRecorded', data: { error: 'refused' } }],
  active: [registered(), draft.activated],
  deprecated: [registered(), draft.deprecated],
};

const subjectOf: Record<DataSourceStatus, string> = {
  pending: 'a pending source',
  configuring: 'a configuring source',
  inactive: 'an inactive source',
  error: 'a source in error',
  active: 'an active source',
  deprecated: 'a deprecated source',
};

const actions: Record<
  Action,
  { verb: string; command: DataSourceCommand; event: EventDraft; target: DataSourceStatus }
> = {
  activate: {
    verb: 'activating',
    command: { type: 'Activate' },
    event: draft.activated,
    target: DataSourceStatus.ACTIVE,
  },
  deactivate: {
    verb: 'deactivating',
    command: { type: 'Deactivate' },
    event: draft.deactivated,
    target: DataSourceStatus.INACTIVE,
  },
  deprecate: {
    verb: 'deprecating',
    command: { type: 'Deprecate' },
    event: draft.deprecated,
    target: DataSourceStatus.DEPRECATED,
  },
  config: {
    verb: 'changing the config of',
    command: { type: 'UpdateConfig', config: config({ host: 'new.internal', port: 15432 }) },
    event: {
      type: 'DataSourceConfigUpdated',
      data: { config: config({ host: 'new.internal', port: 15432 }) },
    },
    target: DataSourceStatus.CONFIGURING,
  },
  recordError: {
    verb: 'recording an error on',
    command: { type: 'RecordError', message: 'connection reset' },
    event: { type: 'ErrorRecorded', data: { error: 'connection reset' } },
    target: DataSourceStatus.ERROR,
  },
};

function describeOutcome(outcome: Outcome, target: DataSourceStatus, from: DataSourceStatus) {
  switch (outcome) {
    case YES:
      return `makes it ${target}`;
    case NOOP:
      return 'changes nothing';
    case INVALID:
      return 'is an invalid transition';
    case COUNTED:
      return `counts the error and leaves it ${from}`;
  }
}

const cells = Object.entries(table).flatMap(([from, row]) =>
  Object.entries(row).map(([action, outcome]) => {
    const status = from as DataSourceStatus;
    const { verb, target } = actions[action as Action];
    return {
      title: `${verb} ${subjectOf[status]} ${describeOutcome(outcome, target, status)}`,
      from: status,
      action: action as Action,
      outcome,
    };
  }),
);

describe('the status-transition table', () => {
  it('has one case for each of its 30 cells', () => {
    expect(cells).toHaveLength(30);
  });

  it.each(cells.map((cell) => [cell.title, cell] as const))(
    '%s',
    (_, { from, action, outcome }) => {
      const { command, event, target } = actions[action];
      const spec = given(historyOf[from]);
      expect(spec.state.source?.status).toBe(from);

      switch (outcome) {
        case YES: {
          spec.when(command).then([event]);
          expect(given([...historyOf[from], event]).state.source?.status).toBe(target);
          break;
        }
        case NOOP:
          spec.when(command).thenNothing();
          break;
        case INVALID: {
          const error = spec.when(command).thenThrows(ErrorCode.INVALID_TRANSITION);
          expect(error.details).toMatchObject({ status: from });
          break;
        }
        case COUNTED: {
          spec.when(command).then([event]);
          const before = spec.state.source;
          const after = given([...historyOf[from], event]).state.source;
          expect(after?.status).toBe(from);
          expect(after?.errorCount).toBe((before?.errorCount ?? 0) + 1);
          break;
        }
      }
    },
  );
});

describe('around the table', () => {
  it('writing an unchanged config to a deprecated source changes nothing rather than failing', () => {
    given([registered(), draft.deprecated])
      .when({
        type: 'UpdateConfig',
        config: config({ host: 'db.internal', port: 5432, password: 's3cret' }),
      })
      .thenNothing();
  });

  it('an update that renames and reconfigures a deprecated source is refused as a whole', () => {
    const produce = () =>
      decide(
        { type: 'Update', name: 'Renamed', config: config({ host: 'new.internal' }) },
        given([registered(), draft.deprecated]).state,
      );
    expect(produce).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_TRANSITION }));
  });

  it('renaming a deprecated source is allowed: only status and config are frozen', () => {
    given([registered({ name: 'Old' }), draft.deprecated])
      .when({ type: 'Update', name: 'Legacy' })
      .then([{ type: 'DataSourceRenamed', data: { from: 'Old', to: 'Legacy' } }]);
  });

  it('changing the config of a configuring source keeps it configuring', () => {
    const event = actions.config.event;
    const after = given([...historyOf.configuring, event]).state.source;
    expect(after?.status).toBe(DataSourceStatus.CONFIGURING);
    expect(after?.config.host).toBe('new.internal');
  });
});
