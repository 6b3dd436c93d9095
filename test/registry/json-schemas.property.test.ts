/**
 * The JSON Schemas of docs/schemas/ describe the events the registry hands
 * out and keeps: over random command sequences, every event a listener gets,
 * every event of history() and every event the store holds validates against
 * the schema of the whole union and the schema of its type, checked by ajv,
 * a validator of another making than zod. Events the library refuses, the
 * schemas refuse too.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventJsonSchemas, jsonSchemas } from '../../src/domain/json-schemas.js';
import { DataSourceError, type DataSourceEvent, type DataSourceRegistry } from '../../src/index.js';
import { isSealedValue } from '../../src/security/event-secrets.js';
import { mapEventSecrets } from '../../src/security/secret-paths.js';
import type { StoredEvent } from '../../src/store/event-store.js';
import { propertyRuns } from '../support/property-runs.js';
import { describeEachStore, type StoreHarness } from '../support/store-matrix.js';
import { IDS, type Op, opArbitrary, performOp } from './model.js';

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats.default(ajv);
const validateEvent = ajv.compile(jsonSchemas.event);
const validateOfType = Object.fromEntries(
  Object.entries(eventJsonSchemas).map(([type, schema]) => [type, ajv.compile(schema)]),
);

/** The reasons ajv gives for refusing a value, empty when both schemas accept it. */
function refusals(event: unknown): string[] {
  const type = (event as { type?: unknown }).type;
  const ofType = typeof type === 'string' ? validateOfType[type] : undefined;
  const problems: string[] = [];
  if (!validateEvent(event)) problems.push(ajv.errorsText(validateEvent.errors));
  if (ofType === undefined) problems.push(`no schema for the type ${String(type)}`);
  else if (!ofType(event)) problems.push(ajv.errorsText(ofType.errors));
  return problems;
}

function expectValid(events: readonly unknown[], where: string): void {
  for (const event of events)
    expect(refusals(event), `${where}: ${JSON.stringify(event)}`).toEqual([]);
}

/**
 * A durable store holds each secret as `{ "$sealed": token }` in place of its
 * string, which the schemas (of events as handed out) do not describe: each
 * must sit where a secret belongs, and with it opened to a string the event
 * validates.
 */
function withSecretsOpened(event: StoredEvent): StoredEvent {
  return mapEventSecrets(event, (value) => (isSealedValue(value) ? 'opened' : value));
}

const RICH_CONFIG = {
  port: 5432,
  apiKey: 'key-1',
  oauthConfig: { clientId: 'app', clientSecret: 'cs-1', scopes: ['read'] },
  options: { sslmode: 'require', retries: [1, 2] },
};

/** The model's operations, with registrations that carry every kind of value an event can hold. */
function perform(registry: DataSourceRegistry, op: Op): Promise<unknown> {
  if (op.kind !== 'register') return performOp(registry, op, () => Promise.resolve());
  return registry.register(
    {
      tenantId: op.tenant,
      name: op.name,
      sourceType: op.sourceType,
      sourceId: op.id,
      tags: op.tags,
      description: null,
      metadata: { origin: 'test', level: [1, { deep: true }] },
      config: { host: 'db', password: op.password, ...RICH_CONFIG },
    },
    { actor: 'alice', correlationId: 'c-1', metadata: { request: 7 } },
  );
}

const RUNS = { memory: 20, sqlite: 4, postgres: 3 } as const;

describeEachStore('the JSON Schemas of the events', (harness: StoreHarness) => {
  it('accept every event of a random run: from listeners, history() and the store', {
    timeout: 180_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { minLength: 1, maxLength: 25 }), async (ops) => {
        const { registry, store, clock, release } = await harness.createRegistry();
        const heard: DataSourceEvent[] = [];
        registry.on('*', (event) => {
          heard.push(event);
        });
        for (const op of ops) {
          clock.advance(1_000);
          await perform(registry, op).catch((error: unknown) => {
            if (!(error instanceof DataSourceError)) throw error;
          });
        }
        const stored = await store.readAll();
        const histories = await Promise.all(IDS.map((id) => registry.history(id)));
        await release();

        expect(heard.length).toBe(stored.length);
        expectValid(heard, 'a listener');
        expectValid(histories.flat(), 'history()');
        // The chain hash is the log's, beside the event, not part of the event's schema.
        const events = stored.map(({ hash: _hash, ...event }) => event);
        expectValid(events.map(withSecretsOpened), 'the store');
      }),
      { numRuns: propertyRuns(RUNS[harness.kind]) },
    );
  });
});

const valid = {
  eventId: 'evt-1',
  schemaVersion: 1,
  sourceId: 's1',
  tenantId: 't1',
  streamVersion: 2,
  position: 9,
  occurredAt: '2024-03-01T09:00:00.000Z',
  metadata: { actor: 'alice', anything: [1, 'two'] },
  type: 'TagAdded',
  data: { tag: 'prod' },
};

describe('the JSON Schemas of the events', () => {
  it('accept a well-formed event', () => {
    expect(refusals(valid)).toEqual([]);
  });

  it.each([
    ['without an event id', { ...valid, eventId: undefined }],
    ['of a type not in the catalog', { ...valid, type: 'TagRenamed' }],
    ['whose data has a key its type does not', { ...valid, data: { tag: 'prod', color: 'red' } }],
    ['whose data is of another type', { ...valid, data: { role: 'admin' } }],
    ['with an empty tag', { ...valid, data: { tag: '' } }],
    ['at position 0', { ...valid, position: 0 }],
    ['at a time that is not ISO 8601 in UTC', { ...valid, occurredAt: '1 March 2024' }],
    ['with a key beside the envelope', { ...valid, extra: true }],
    ['with a fractional stream version', { ...valid, streamVersion: 1.5 }],
  ])('refuse an event %s', (_, event) => {
    expect(refusals(JSON.parse(JSON.stringify(event)))).not.toEqual([]);
  });

  it('refuse a registration whose config lacks a key, since events hold complete configs', () => {
    const registered = {
      ...valid,
      type: 'DataSourceRegistered',
      data: {
        name: 'orders',
        sourceType: 'database',
        config: { host: 'db' },
        description: null,
        tags: [],
        metadata: {},
        accessRoles: [],
        ownerId: null,
      },
    };
    expect(refusals(registered)).not.toEqual([]);
  });

  it('refuse metadata of an event that is not a JSON object', () => {
    const event = {
      ...valid,
      type: 'DataSourceMetadataReplaced',
      data: { metadata: [1, 2] },
    };
    expect(refusals(event)).not.toEqual([]);
    expect(refusals({ ...event, data: { metadata: { a: [1, 2] } } })).toEqual([]);
  });
});
