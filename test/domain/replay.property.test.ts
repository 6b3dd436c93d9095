import fc from 'fast-check';
import type { Draft } from 'immer';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { DataSourceCommand } from '../../src/domain/commands.js';
import { DataSourceConfig } from '../../src/domain/config.js';
import { decide } from '../../src/domain/decide.js';
import { DATA_SOURCE_TYPES } from '../../src/domain/enums.js';
import { DataSourceError, ErrorCode } from '../../src/domain/errors.js';
import { type DataSourceEvent, dataSourceEventSchema } from '../../src/domain/events.js';
import { applyEvent, evolve } from '../../src/domain/evolve.js';
import { deepFreeze } from '../../src/domain/freeze.js';
import { SECRET_FIELDS, SECRET_MASK } from '../../src/domain/secrets.js';
import { EMPTY_STREAM, type SourceStream } from '../../src/domain/stream.js';
import { envelope, fold, TENANT_ID } from '../support/given-when-then.js';
import { plainJson } from '../support/plain.js';

// Arbitraries: small pools, so that commands often hit what earlier ones did.
const label = fc.constantFrom('alpha', 'beta', 'gamma');
const secret = (withMask: boolean) =>
  fc.constantFrom<string | null>(null, 'one', 'two', ...(withMask ? [SECRET_MASK] : []));
// "__proto__" keys are refused as input (see json.ts), so they are not valid commands here.
const json = fc
  .jsonValue({ maxDepth: 2 })
  .filter((value) => !JSON.stringify(value).includes('"__proto__"'))
  .map((value) => value as z.JSONType);
const jsonObject = fc.dictionary(fc.constantFrom('k1', 'k2', 'k3'), json, { maxKeys: 3 });

const configArb = (withMask: boolean) =>
  fc
    .record(
      {
        host: fc.option(fc.constantFrom('db.internal', '::1')),
        port: fc.option(fc.integer({ min: 1, max: 65535 })),
        username: fc.option(label),
        password: secret(withMask),
        apiKey: secret(withMask),
        connectionString: secret(withMask),
        oauthConfig: fc.option(
          fc.dictionary(fc.constantFrom('clientId', 'clientSecret'), secret(withMask), {
            maxKeys: 2,
          }),
        ),
        poolSize: fc.integer({ min: 1, max: 20 }),
        sslEnabled: fc.boolean(),
        options: jsonObject,
      },
      { requiredKeys: [] },
    )
    .map((input) => DataSourceConfig.create(input));

const registerArb = fc.record({
  type: fc.constant('Register' as const),
  tenantId: fc.constant(TENANT_ID),
  name: label,
  sourceType: fc.constantFrom(...DATA_SOURCE_TYPES),
  config: configArb(false),
  description: fc.option(fc.string()),
  tags: fc.uniqueArray(label, { maxLength: 3 }),
  metadata: jsonObject,
  accessRoles: fc.uniqueArray(label, { maxLength: 2 }),
  ownerId: fc.option(label),
});

const updateArb = fc.record(
  {
    type: fc.constant('Update' as const),
    name: label,
    description: fc.option(fc.string()),
    config: configArb(true),
    metadata: jsonObject,
  },
  { requiredKeys: ['type'] },
);
const updateConfigArb = fc.record({
  type: fc.constant('UpdateConfig' as const),
  config: configArb(true),
});
const statusArb = fc
  .constantFrom('Activate' as const, 'Deactivate' as const, 'Deprecate' as const)
  .map((type) => ({ type }));
const connectionArb = fc.constant({ type: 'RecordConnection' as const });
const errorArb = fc.record({
  type: fc.constant('RecordError' as const),
  message: fc.string({ minLength: 1 }),
});
const tagArb = fc.record({
  type: fc.constantFrom('AddTag' as const, 'RemoveTag' as const),
  tag: label,
});
const roleArb = fc.record({
  type: fc.constantFrom('GrantAccess' as const, 'RevokeAccess' as const),
  role: label,
});
const deleteArb = fc.record({
  type: fc.constant('Delete' as const),
  reason: fc.constantFrom('deleted' as const, 'tenant_cleared' as const, 'tenant_purged' as const),
});

const commandArb: fc.Arbitrary<DataSourceCommand> = fc.oneof(
  { arbitrary: registerArb, weight: 1 },
  { arbitrary: updateArb, weight: 3 },
  { arbitrary: updateConfigArb, weight: 2 },
  { arbitrary: statusArb, weight: 4 },
  { arbitrary: connectionArb, weight: 2 },
  { arbitrary: errorArb, weight: 2 },
  { arbitrary: tagArb, weight: 3 },
  { arbitrary: roleArb, weight: 3 },
  { arbitrary: deleteArb, weight: 1 },
);

/** A registration followed by any commands: a source's whole life, as a caller may drive it. */
const lifeArb = fc
  .tuple(registerArb, fc.array(commandArb, { minLength: 5, maxLength: 60, size: 'medium' }))
  .map(([register, rest]): DataSourceCommand[] => [register, ...rest]);

/** What decide may answer to a well-formed command: refusals, never anything else. */
const REFUSALS: readonly string[] = [
  ErrorCode.INVALID_TRANSITION,
  ErrorCode.DUPLICATE_ID,
  ErrorCode.INVALID_INPUT,
];

/** Runs each command through decide and evolve, as the registry does, keeping the log. */
function drive(commands: readonly DataSourceCommand[]) {
  let state: SourceStream = EMPTY_STREAM;
  const log: DataSourceEvent[] = [];
  for (const command of commands) {
    let drafts: ReturnType<typeof decide>;
    try {
      drafts = decide(command, state);
    } catch (error) {
      if (!(error instanceof DataSourceError) || !REFUSALS.includes(error.code)) throw error;
      continue;
    }
    for (const event of envelope(drafts, { after: state.version })) {
      state = evolve(state, event);
      log.push(event);
    }
  }
  return { state, log };
}

/** The fold a bulk replay does: applyEvent on fresh mutable objects, frozen once at the end. */
function bulkReplay(events: readonly DataSourceEvent[]): SourceStream {
  const stream: Draft<SourceStream> = { version: 0, source: null };
  for (const event of events) applyEvent(stream, event);
  return deepFreeze(stream as SourceStream);
}

const throughJson = (events: readonly DataSourceEvent[]) =>
  JSON.parse(JSON.stringify(events)) as DataSourceEvent[];

describe('decide and evolve over random command sequences', () => {
  it('folding the produced events again from scratch gives the identical state', () => {
    fc.assert(
      fc.property(lifeArb, (commands) => {
        const { state, log } = drive(commands);
        expect(plainJson(fold(log))).toBe(plainJson(state));
      }),
    );
  });

  it('folding the events after a trip through JSON, as from a store, gives the identical state', () => {
    fc.assert(
      fc.property(lifeArb, (commands) => {
        const { state, log } = drive(commands);
        expect(plainJson(fold(throughJson(log)))).toBe(plainJson(state));
      }),
    );
  });

  it('the bulk replay path gives the same state as evolve', () => {
    fc.assert(
      fc.property(lifeArb, (commands) => {
        const { state, log } = drive(commands);
        expect(plainJson(bulkReplay(throughJson(log)))).toBe(plainJson(state));
      }),
    );
  });

  it('no command ever produces an event that fails its schema', () => {
    fc.assert(
      fc.property(lifeArb, (commands) => {
        for (const event of drive(commands).log) {
          expect(() => dataSourceEventSchema.parse(event)).not.toThrow();
        }
      }),
    );
  });

  it('no event ever stores the mask in place of a secret', () => {
    fc.assert(
      fc.property(lifeArb, (commands) => {
        for (const event of drive(commands).log) {
          if (event.type !== 'DataSourceRegistered' && event.type !== 'DataSourceConfigUpdated') {
            continue;
          }
          const { config } = event.data;
          for (const field of SECRET_FIELDS) expect(config[field]).not.toBe(SECRET_MASK);
          expect(Object.values(config.oauthConfig ?? {})).not.toContain(SECRET_MASK);
        }
      }),
    );
  });

  it('the version of a live source always equals the number of events in its stream', () => {
    fc.assert(
      fc.property(lifeArb, (commands) => {
        const { state, log } = drive(commands);
        expect(state.version).toBe(log.length);
        if (state.source !== null) expect(state.source.version).toBe(log.length);
      }),
    );
  });
});
