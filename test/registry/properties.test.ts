/**
 * Properties of the registry over random command sequences, on every store:
 *
 * (a) every command answers exactly what a plain model of the registry
 *     predicts (the source afterwards, null, a count, or the error code), and
 *     appends exactly the events the model counts; afterwards the queries
 *     agree with the model, and a registry opened on the same log rebuilds
 *     the same state;
 * (b) commands racing from two registries on one log leave both with the
 *     same state, a fold over the log;
 * (c) whatever invalid input a command gets, it fails with INVALID_INPUT and
 *     its issues, and leaves the log, the projections and the listeners as
 *     they were.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import {
  type CommandContext,
  DataSourceError,
  type DataSourceRegistry,
  DataSourceType,
  ErrorCode,
} from '../../src/index.js';
import { issuesOf } from '../support/given-when-then.js';
import { eventually } from '../support/postgres.js';
import { propertyRuns } from '../support/property-runs.js';
import {
  databaseInput,
  failureOf,
  recordEvents,
  recount,
  settle,
  snapshotOf,
  type TestClock,
} from '../support/registry-fixtures.js';
import {
  describeEachStore,
  type StoreHarness,
  type StoreRegistry,
} from '../support/store-matrix.js';
import {
  emptyModel,
  expectedSource,
  inListOrder,
  type Model,
  nameKey,
  type Op,
  opArbitrary,
  performOp,
  predict,
  TENANTS,
} from './model.js';

/**
 * A property makes a fixed number of runs, each on a fresh file or schema: a
 * time limit here only catches a hang, and must not fail a busy machine.
 */
const PROPERTY_TIMEOUT_MS = 180_000;

/** Fewer runs where each one opens a file or a schema. */
const RUNS = { memory: 1, sqlite: 0.25, postgres: 0.15 } as const;
const runs = (harness: StoreHarness, onMemory: number) =>
  Math.max(3, Math.round(onMemory * RUNS[harness.kind]));

// ── (a) every command against the model ──────────────────────────────────────

const perform = (registry: DataSourceRegistry, op: Op) =>
  performOp(registry, op, (call) => performInvalid(registry, call));

async function performInvalid(
  registry: DataSourceRegistry,
  call: Extract<Op, { kind: 'invalid' }>['call'],
): Promise<unknown> {
  switch (call) {
    case 'register with a blank name':
      return registry.register({ tenantId: 't1', name: '  ', sourceType: 'api', sourceId: 's1' });
    case 'update with an unknown key':
      return registry.update('s1', { nme: 'alpha' } as never);
    case 'add a blank tag':
      return registry.addTag('s1', ' ');
    case 'record an empty error':
      return registry.recordError('s1', '');
    case 'activate an id with spaces around it':
      return registry.activate(' s1 ');
  }
}

interface Real {
  registry: DataSourceRegistry;
  clock: TestClock;
  /** How many events the registry has published: one per appended event. */
  published: () => number;
}

type Answer = { outcome: 'returns'; value: unknown } | { outcome: 'fails'; code: string };

async function answerOf(registry: DataSourceRegistry, op: Op): Promise<Answer> {
  try {
    return { outcome: 'returns', value: await perform(registry, op) };
  } catch (error) {
    if (!(error instanceof DataSourceError)) throw error;
    return { outcome: 'fails', code: error.code };
  }
}

const targetOf = (op: Op) => ('id' in op ? op.id : null);
const liveOf = (model: Model) => [...model.sources.values()].map(expectedSource);

/** One command: the registry's answer, its events and the source it aimed at, against the model's. */
async function step(model: Model, real: Real, op: Op): Promise<void> {
  real.clock.advance(1_000);
  const prediction = predict(model, op, real.clock.iso());
  const answer = await answerOf(real.registry, op);
  if (prediction.outcome === 'fails') {
    expect(answer).toEqual({ outcome: 'fails', code: prediction.code });
  } else {
    expect(answer).toEqual({ outcome: 'returns', value: prediction.value });
    Object.assign(model, prediction.next);
  }
  expect(real.published()).toBe(model.events);
  const target = targetOf(op);
  if (target !== null) {
    const source = model.sources.get(target);
    expect(real.registry.get(target)).toEqual(source ? expectedSource(source) : null);
  }
  checkQueries(real.registry, model);
}

const modelCommand = opArbitrary.map(
  (op): fc.AsyncCommand<Model, Real> => ({
    check: () => true,
    run: (model, real) => step(model, real, op),
    toString: () => JSON.stringify(op),
  }),
);

const STATUSES = ['pending', 'configuring', 'active', 'inactive', 'error', 'deprecated'] as const;
const TAGS = ['prod', 'pii'] as const;

const ids = (sources: readonly { sourceId: string }[]) => sources.map((source) => source.sourceId);
const everything = { limit: 1e9 };

/**
 * What the queries answer, in one value so a failure shows one diff: lists
 * (their ids, in order and in pages), counts, statistics, names. The sources
 * themselves are compared whole after each command (the one it aimed at)
 * and at the end (all of them).
 */
function queriesOf(registry: DataSourceRegistry, names: Map<string, string[]>) {
  return {
    all: ids(registry.list(everything)),
    count: registry.count(),
    statistics: registry.getStatistics(),
    byStatus: STATUSES.map((status) => ids(registry.list({ status, ...everything }))),
    byTag: TAGS.map((tag) => ids(registry.list({ tag, ...everything }))),
    byTenant: TENANTS.map((tenantId) => ({
      all: ids(registry.list({ tenantId, ...everything })),
      page: ids(registry.list({ tenantId, offset: 1, limit: 2 })),
      count: registry.count({ tenantId }),
      statistics: registry.getStatistics(tenantId),
      byName: (names.get(tenantId) ?? []).map(
        (name) => registry.getByName(tenantId, ` ${name.toUpperCase()} `)?.sourceId,
      ),
    })),
  };
}

/** What the model says the queries must answer. */
function expectedQueries(model: Model): ReturnType<typeof queriesOf> {
  const live = inListOrder([...model.sources.values()]);
  return {
    all: ids(live),
    count: live.length,
    statistics: recount(live),
    byStatus: STATUSES.map((status) => ids(live.filter((s) => s.status === status))),
    byTag: TAGS.map((tag) => ids(live.filter((s) => s.tags.includes(tag)))),
    byTenant: TENANTS.map((tenantId) => {
      const mine = live.filter((source) => source.tenantId === tenantId);
      return {
        all: ids(mine),
        page: ids(mine.slice(1, 3)),
        count: mine.length,
        statistics: recount(mine),
        byName: ids(mine),
      };
    }),
  };
}

function checkQueries(registry: DataSourceRegistry, model: Model): void {
  const names = new Map(
    TENANTS.map((tenantId) => [
      tenantId,
      inListOrder([...model.sources.values()])
        .filter((s) => s.tenantId === tenantId)
        .map((s) => s.name),
    ]),
  );
  expect(queriesOf(registry, names)).toEqual(expectedQueries(model));
}

/** At the end: every source whole, and a registry opened on the same log rebuilds the same state. */
async function checkReplay(made: StoreRegistry, model: Model): Promise<void> {
  expect(made.registry.list({ limit: 1e9 })).toEqual(inListOrder(liveOf(model)));
  const replayed = await made.reopen();
  expect(snapshotOf(replayed)).toBe(snapshotOf(made.registry));
  expect(replayed.position).toBe(made.registry.position);
  await replayed.close();
}

describeEachStore('the registry, against a model of it', (harness) => {
  it(
    'answers every command as the model predicts: the source, null, or the exact refusal',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.commands([modelCommand], { maxCommands: 60, size: 'max' }),
          async (commands) => {
            const made = await harness.createRegistry();
            let published = 0;
            made.registry.on('*', () => {
              published++;
            });
            const model = emptyModel();
            const real: Real = {
              registry: made.registry,
              clock: made.clock,
              published: () => published,
            };
            await fc.asyncModelRun(() => ({ model, real }), commands);
            await checkReplay(made, model);
            await made.release();
          },
        ),
        { numRuns: propertyRuns(runs(harness, 150)) },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

// ── (b) racing registries ────────────────────────────────────────────────────

async function runIgnoringRefusals(registry: DataSourceRegistry, op: Op): Promise<void> {
  await answerOf(registry, op);
}

describeEachStore('registries racing on one log', (harness) => {
  it(
    'end with the same state, which a third registry rebuilds from the log',
    async () => {
      const batch = fc.array(fc.tuple(fc.boolean(), opArbitrary), {
        minLength: 1,
        maxLength: 6,
        size: 'max',
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(batch, { minLength: 2, maxLength: 10, size: 'max' }),
          async (batches) => {
            const made = await harness.createRegistry();
            const { registry: first, store, clock } = made;
            const second = await made.reopen();
            for (const ops of batches) {
              clock.advance(1_000);
              await Promise.all(
                ops.map(([onFirst, op]) => runIgnoringRefusals(onFirst ? first : second, op)),
              );
            }
            const head = await store.head();
            await eventually(
              async () => first.position === head && second.position === head,
              'both registries to follow the log to its head',
            );
            expect(snapshotOf(second)).toBe(snapshotOf(first));
            const all = first.list({ limit: 1e9 });
            expect(first.getStatistics()).toEqual(recount(all));
            for (const tenantId of TENANTS) {
              const names = first.list({ tenantId, limit: 1e9 }).map((s) => nameKey(s.name));
              expect(new Set(names).size).toBe(names.length);
            }
            const replayed = await made.reopen();
            expect(snapshotOf(replayed)).toBe(snapshotOf(first));
            await made.release();
          },
        ),
        { numRuns: propertyRuns(runs(harness, 40)) },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

// ── (c) invalid input ────────────────────────────────────────────────────────

const REGISTER_KEYS = new Set([
  'tenantId',
  'name',
  'sourceType',
  'config',
  'description',
  'tags',
  'metadata',
  'accessRoles',
  'ownerId',
  'sourceId',
]);
const UPDATE_KEYS = new Set(['name', 'description', 'config', 'metadata']);
const CONFIG_KEYS = new Set([
  'connectionString',
  'host',
  'port',
  'username',
  'password',
  'database',
  'authType',
  'apiKey',
  'oauthConfig',
  'poolSize',
  'poolTimeout',
  'maxRetries',
  'sslEnabled',
  'sslVerify',
  'sslCertPath',
  'options',
]);
const CONTEXT_KEYS = new Set([
  'actor',
  'correlationId',
  'causationId',
  'expectedVersion',
  'metadata',
]);

/** An own, enumerable key, even for "__proto__". */
function withKey(object: Record<string, unknown>, key: string, value: unknown) {
  const copy = { ...object };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

const unknownKey = (known: Set<string>) =>
  fc
    .oneof(
      fc.constantFrom('pasword', 'Name', 'tenant_id', '__proto__', 'constructor', 'toString'),
      fc.string({ minLength: 1, maxLength: 10 }),
    )
    .filter((key) => !known.has(key));

const blank = fc.constantFrom('', ' ', '\t', ' \n ', '\u00a0', '\u3000');
const notAString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.string(), { maxKeys: 2 }),
);
/** Not a string and not null: wrong for a nullable text. */
const notNullableText = notAString.filter((value) => value !== null);
const badLabel = fc.oneof(blank, notAString);

const nonInteger = fc.double({ noInteger: true }).filter((n) => Number.isFinite(n));
const notANumber = fc.oneof(
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.string({ maxLength: 4 }),
  fc.boolean(),
);
const badPort = fc.oneof(
  fc.integer({ max: 0 }),
  fc.integer({ min: 65_536 }),
  fc.integer({ min: 1, max: 65_535 }).map((n) => n + 0.5),
  notANumber,
);
const badPoolSize = fc.oneof(fc.integer({ max: 0 }), nonInteger, notANumber);
const badCount = fc.oneof(fc.integer({ max: -1 }), nonInteger, notANumber);
const badBoolean = fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null));

class Point {
  x = 1;
}
/** Values that would not come back the same from a JSON log. */
const nonJson = fc.constantFrom<unknown>(
  undefined,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  () => 1,
  Symbol('s'),
  10n,
  new Date(0),
  new Map([['a', 1]]),
  new Set([1]),
  /re/,
  new Point(),
);
const badMetadata = fc.oneof(
  fc
    .tuple(fc.string({ minLength: 1, maxLength: 5 }), nonJson, fc.nat(2))
    .filter(([key]) => key !== '__proto__')
    .map(([key, value, depth]) =>
      depth === 0
        ? { [key]: value }
        : depth === 1
          ? { [key]: [1, value] }
          : { [key]: { k: value } },
    ),
  fc.constantFrom<unknown>(null, [], 'meta', 42),
);

/** A config input with exactly one thing wrong in it. */
const badConfig: fc.Arbitrary<unknown> = fc.oneof(
  badPort.map((port) => ({ host: 'db', port })),
  badPoolSize.map((poolSize) => ({ poolSize })),
  badCount.map((poolTimeout) => ({ poolTimeout })),
  badCount.map((maxRetries) => ({ maxRetries })),
  badBoolean.map((sslEnabled) => ({ sslEnabled })),
  notNullableText.map((host) => ({ host })),
  badMetadata.map((options) => ({ options })),
  badMetadata.filter((m) => m !== null).map((oauthConfig) => ({ oauthConfig })),
  unknownKey(CONFIG_KEYS).map((key) => withKey({ host: 'db' }, key, 'x')),
  fc.constantFrom<unknown>('host=db', 5, [], true),
);

const badSourceId = fc.oneof(
  fc.constantFrom('', ' s1', 's1 ', '\ts1', 'x'.repeat(201)),
  fc.integer(),
  fc.boolean(),
);

const validRegistration = databaseInput({ name: 'Fresh', sourceId: 'fresh' }) as Record<
  string,
  unknown
>;

/** One invalid call, as data, so a failing case prints readably. */
type InvalidCall =
  | { command: 'register'; input: unknown; ctx?: unknown }
  | { command: 'update'; changes: unknown }
  | { command: 'updateConfig'; config: unknown }
  | { command: 'recordError'; message: unknown }
  | { command: 'addTag' | 'removeTag' | 'grantAccess' | 'revokeAccess'; label: unknown }
  | {
      command: 'activate' | 'deactivate' | 'deprecate' | 'recordConnection' | 'delete';
      sourceId?: unknown;
      ctx?: unknown;
    }
  | { command: 'clearTenant'; tenant: unknown };

const badContext = fc.oneof(
  unknownKey(CONTEXT_KEYS).map((key) => withKey({}, key, 'x')),
  fc
    .oneof(
      fc.integer({ max: -1 }),
      nonInteger,
      fc.string({ maxLength: 3 }),
      fc.constant(Number.NaN),
    )
    .map((expectedVersion) => ({ expectedVersion })),
  notNullableText.map((actor) => ({ actor })),
  notNullableText.map((correlationId) => ({ correlationId })),
  badMetadata.map((metadata) => ({ metadata })),
  fc.constantFrom<unknown>('ctx', 7, true),
);

const invalidRegistration = fc.oneof(
  badLabel.map((tenantId) => ({ ...validRegistration, tenantId })),
  badLabel.map((name) => ({ ...validRegistration, name })),
  fc
    .oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant(null), fc.constant('DATABASE'))
    .filter((t) => !(Object.values(DataSourceType) as unknown[]).includes(t))
    .map((sourceType) => ({ ...validRegistration, sourceType })),
  badConfig.map((config) => ({ ...validRegistration, config })),
  notNullableText.map((description) => ({ ...validRegistration, description })),
  notNullableText.map((ownerId) => ({ ...validRegistration, ownerId })),
  badMetadata.map((metadata) => ({ ...validRegistration, metadata })),
  fc
    .oneof(
      badLabel.map((tag) => ['prod', tag]),
      fc.constantFrom<unknown>('prod', null, 5),
    )
    .map((tags) => ({ ...validRegistration, tags })),
  fc
    .oneof(
      badLabel.map((role) => [role]),
      fc.constantFrom<unknown>('admin', null),
    )
    .map((accessRoles) => ({ ...validRegistration, accessRoles })),
  badSourceId.map((sourceId) => ({ ...validRegistration, sourceId })),
  unknownKey(REGISTER_KEYS).map((key) => withKey(validRegistration, key, 'x')),
  fc.constantFrom<unknown>(null, undefined, 'register', 42, []),
);

const invalidCall: fc.Arbitrary<InvalidCall> = fc.oneof(
  {
    weight: 4,
    arbitrary: invalidRegistration.map((input): InvalidCall => ({ command: 'register', input })),
  },
  badContext.map((ctx): InvalidCall => ({ command: 'register', input: validRegistration, ctx })),
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        badLabel.map((name) => ({ name })),
        notNullableText.map((description) => ({ description })),
        badConfig.map((config) => ({ config })),
        badMetadata.map((metadata) => ({ metadata })),
        unknownKey(UPDATE_KEYS).map((key) => withKey({}, key, 'x')),
        fc.constantFrom<unknown>(null, 'rename', 3),
      )
      .map((changes): InvalidCall => ({ command: 'update', changes })),
  },
  badConfig.map((config): InvalidCall => ({ command: 'updateConfig', config })),
  fc
    .oneof(fc.constant(''), notAString, fc.constant(undefined))
    .map((message): InvalidCall => ({ command: 'recordError', message })),
  fc
    .tuple(
      fc.constantFrom('addTag', 'removeTag', 'grantAccess', 'revokeAccess') as fc.Arbitrary<
        'addTag' | 'removeTag' | 'grantAccess' | 'revokeAccess'
      >,
      fc.oneof(badLabel, fc.constant(undefined)),
    )
    .map(([command, label]): InvalidCall => ({ command, label })),
  fc
    .tuple(
      fc.constantFrom(
        'activate',
        'deactivate',
        'deprecate',
        'recordConnection',
        'delete',
      ) as fc.Arbitrary<'activate' | 'deactivate' | 'deprecate' | 'recordConnection' | 'delete'>,
      fc.oneof(
        badSourceId.map((sourceId) => ({ sourceId })),
        badContext.map((ctx) => ({ ctx })),
      ),
    )
    .map(([command, args]): InvalidCall => ({ command, ...args })),
  fc
    .oneof(badLabel, fc.constant(undefined))
    .map((tenant): InvalidCall => ({ command: 'clearTenant', tenant })),
);

function call(registry: DataSourceRegistry, sourceId: string, c: InvalidCall): unknown {
  // The inputs are wrong on purpose; the casts only get them past the compiler.
  const ctx = ('ctx' in c ? c.ctx : undefined) as CommandContext | undefined;
  switch (c.command) {
    case 'register':
      return registry.register(c.input as never, ctx);
    case 'update':
      return registry.update(sourceId, c.changes as never);
    case 'updateConfig':
      return registry.updateConfig(sourceId, c.config as never);
    case 'recordError':
      return registry.recordError(sourceId, c.message as never);
    case 'addTag':
    case 'removeTag':
    case 'grantAccess':
    case 'revokeAccess':
      return registry[c.command](sourceId, c.label as never);
    case 'clearTenant':
      return registry.clearTenant(c.tenant as never);
    default:
      return registry[c.command]((c.sourceId ?? sourceId) as never, ctx);
  }
}

/** A registry with a few sources and a listener on everything. */
async function populated(harness: StoreHarness) {
  const fixture = await harness.createRegistry();
  const { registry } = fixture;
  const orders = await registry.register(databaseInput({ tags: ['prod'], accessRoles: ['admin'] }));
  await registry.register(databaseInput({ tenantId: 'globex', name: 'Ledger' }));
  await registry.activate(orders.sourceId);
  await registry.recordConnection(orders.sourceId);
  return { ...fixture, sourceId: orders.sourceId };
}

describeEachStore('random invalid input', (harness) => {
  it(
    'always fails with INVALID_INPUT and { path, message } issues, and changes nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(invalidCall, async (c) => {
          const { registry, store, sourceId, release } = await populated(harness);
          const before = { head: await store.head(), snapshot: snapshotOf(registry) };
          const events = recordEvents(registry);
          let listenerErrors = 0;
          registry.on('listenerError', () => {
            listenerErrors++;
          });

          const error = await failureOf(() => call(registry, sourceId, c));
          await settle();

          expect(error.code).toBe(ErrorCode.INVALID_INPUT);
          const issues = issuesOf(error);
          expect(issues.length).toBeGreaterThan(0);
          for (const issue of issues) {
            expect(issue).toEqual({ path: expect.any(String), message: expect.any(String) });
          }
          expect(await store.head()).toBe(before.head);
          expect(registry.position).toBe(before.head);
          expect(snapshotOf(registry)).toBe(before.snapshot);
          expect(events).toEqual([]);
          expect(listenerErrors).toBe(0);
          await release();
        }),
        { numRuns: propertyRuns(runs(harness, 300)) },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
