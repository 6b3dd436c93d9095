/**
 * Properties of the registry over random command sequences:
 *
 * (a) whatever valid commands run (refusals like DUPLICATE_NAME and
 *     INVALID_TRANSITION included), the state is a fold over the log: a
 *     registry opened on the same store rebuilds it byte for byte, and the
 *     statistics always equal a recount of the listed sources;
 * (b) whatever invalid input a command gets, it fails with INVALID_INPUT and
 *     its issues, and leaves the log, the projections and the listeners as
 *     they were.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CommandContext,
  DataSourceError,
  DataSourceRegistry,
  type DataSourceType,
  ErrorCode,
  type MemoryEventStore,
} from '../../src/index.js';
import {
  createTestRegistry,
  databaseInput,
  failureOf,
  recordEvents,
  recount,
  sequentialIds,
  settle,
  snapshotOf,
} from '../support/registry-fixtures.js';

// ── (a) valid command sequences ──────────────────────────────────────────────

const TENANTS = ['t1', 't2', 't3'] as const;
/** Few names, several spellings of each: collisions are frequent. */
const NAMES = ['alpha', 'Alpha', ' beta ', 'BETA', 'gamma', 'Caf\u00e9', 'Cafe\u0301'] as const;
/** Explicit ids, so commands can aim at sources and registrations can collide. */
const IDS = ['s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10'] as const;
const TYPES = ['database', 'document', 'file', 'vector', 'api', 'stream', 'custom'] as const;
const TAGS = ['prod', 'eu', ' pii'] as const;
const ROLES = ['admin', 'analyst'] as const;

type Op =
  | {
      kind: 'register';
      tenant: string;
      name: string;
      sourceType: DataSourceType;
      id: string;
      tags: string[];
      password: string | null;
    }
  | {
      kind: 'update';
      id: string;
      name?: string;
      description?: string | null;
      metadata?: Record<string, number>;
    }
  | { kind: 'updateConfig'; id: string; host: string; password: string | null }
  | { kind: 'activate' | 'deactivate' | 'deprecate' | 'recordConnection' | 'delete'; id: string }
  | { kind: 'recordError'; id: string; message: string }
  | { kind: 'addTag' | 'removeTag'; id: string; tag: string }
  | { kind: 'grantAccess' | 'revokeAccess'; id: string; role: string }
  | { kind: 'clearTenant'; tenant: string };

const id = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom(...IDS) },
  fc.constant('never-registered'),
);
const tenant = fc.constantFrom(...TENANTS);

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('register' as const),
      tenant,
      name: fc.constantFrom(...NAMES),
      sourceType: fc.constantFrom(...TYPES),
      id: fc.constantFrom(...IDS),
      tags: fc.subarray([...TAGS]),
      password: fc.option(fc.constantFrom('pw-1', 'pw-2')),
    }),
  },
  fc.record(
    {
      kind: fc.constant('update' as const),
      id,
      name: fc.constantFrom(...NAMES),
      description: fc.option(fc.constantFrom('first', 'second')),
      metadata: fc.dictionary(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 3 })),
    },
    { requiredKeys: ['kind', 'id'] },
  ),
  fc.record({
    kind: fc.constant('updateConfig' as const),
    id,
    host: fc.constantFrom('h1', 'h2'),
    // "***" keeps a stored password; with none stored it is INVALID_INPUT.
    password: fc.option(fc.constantFrom('pw-3', '***')),
  }),
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom(
        'activate' as const,
        'deactivate' as const,
        'deprecate' as const,
        'recordConnection' as const,
        'delete' as const,
      ),
      id,
    }),
  },
  fc.record({
    kind: fc.constant('recordError' as const),
    id,
    message: fc.constantFrom('timeout', 'refused'),
  }),
  fc.record({
    kind: fc.constantFrom('addTag' as const, 'removeTag' as const),
    id,
    tag: fc.constantFrom(...TAGS),
  }),
  fc.record({
    kind: fc.constantFrom('grantAccess' as const, 'revokeAccess' as const),
    id,
    role: fc.constantFrom(...ROLES),
  }),
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clearTenant' as const), tenant }) },
);

function run(registry: DataSourceRegistry, o: Op): Promise<unknown> {
  switch (o.kind) {
    case 'register':
      return registry.register({
        tenantId: o.tenant,
        name: o.name,
        sourceType: o.sourceType,
        sourceId: o.id,
        tags: o.tags,
        config: { host: 'db', password: o.password },
      });
    case 'update': {
      const { kind: _, id: sourceId, ...changes } = o;
      return registry.update(sourceId, changes);
    }
    case 'updateConfig':
      return registry.updateConfig(o.id, { host: o.host, password: o.password });
    case 'recordError':
      return registry.recordError(o.id, o.message);
    case 'addTag':
    case 'removeTag':
      return registry[o.kind](o.id, o.tag);
    case 'grantAccess':
    case 'revokeAccess':
      return registry[o.kind](o.id, o.role);
    case 'clearTenant':
      return registry.clearTenant(o.tenant);
    default:
      return registry[o.kind](o.id);
  }
}

/** The refusals a valid command may meet, by the state it meets. */
function isExpectedRefusal(o: Op, error: unknown): boolean {
  if (!(error instanceof DataSourceError)) return false;
  switch (error.code) {
    case ErrorCode.DUPLICATE_NAME:
      return o.kind === 'register' || o.kind === 'update';
    case ErrorCode.DUPLICATE_ID:
      return o.kind === 'register';
    case ErrorCode.INVALID_TRANSITION:
      return true;
    case ErrorCode.INVALID_INPUT:
      return o.kind === 'updateConfig' && o.password === '***';
    default:
      return false;
  }
}

async function runExpectingOnlyRefusals(registry: DataSourceRegistry, o: Op): Promise<void> {
  try {
    await run(registry, o);
  } catch (error) {
    if (!isExpectedRefusal(o, error)) throw error;
  }
}

const nameKey = (name: string) => name.trim().normalize('NFC').toLowerCase();

/** What must hold of any registry on `store`, whatever ran before. */
async function checkInvariants(registry: DataSourceRegistry, store: MemoryEventStore) {
  const replayed = await DataSourceRegistry.open({ store });
  expect(snapshotOf(replayed)).toBe(snapshotOf(registry));
  expect(replayed.position).toBe(registry.position);

  const all = registry.list({ limit: 1e9 });
  expect(registry.getStatistics()).toEqual(recount(all));
  expect(registry.count()).toBe(all.length);
  for (const t of TENANTS) {
    const mine = registry.list({ tenantId: t, limit: 1e9 });
    expect(registry.getStatistics(t)).toEqual(recount(mine));
    const names = mine.map((source) => nameKey(source.name));
    expect(new Set(names).size).toBe(names.length);
  }
  for (const source of all) {
    expect(registry.getByName(source.tenantId, source.name)).toBe(source);
  }
}

describe('random valid command sequences', () => {
  it('rebuild the same state on replay, and keep the statistics equal to a recount', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 50, size: 'max' }), async (ops) => {
        const { registry, store, clock } = createTestRegistry();
        for (const o of ops) {
          clock.advance(1_000);
          await runExpectingOnlyRefusals(registry, o);
        }
        await checkInvariants(registry, store);
      }),
      { numRuns: 60 },
    );
  });

  it('hold the same after concurrent batches from two registries on one store', async () => {
    const batch = fc.array(fc.tuple(fc.boolean(), op), { minLength: 1, maxLength: 6, size: 'max' });
    await fc.assert(
      fc.asyncProperty(
        fc.array(batch, { minLength: 2, maxLength: 10, size: 'max' }),
        async (batches) => {
          const { registry: first, store, clock } = createTestRegistry();
          const second = new DataSourceRegistry({ store, clock, newId: sequentialIds('b') });
          for (const ops of batches) {
            clock.advance(1_000);
            await Promise.all(
              ops.map(([onFirst, o]) => runExpectingOnlyRefusals(onFirst ? first : second, o)),
            );
          }
          await settle();
          expect(snapshotOf(second)).toBe(snapshotOf(first));
          await checkInvariants(first, store);
        },
      ),
      { numRuns: 40 },
    );
  });
});

// ── (b) invalid input ────────────────────────────────────────────────────────

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
    .filter((t) => !(TYPES as readonly unknown[]).includes(t))
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
async function populated() {
  const fixture = createTestRegistry();
  const { registry } = fixture;
  const orders = await registry.register(databaseInput({ tags: ['prod'], accessRoles: ['admin'] }));
  await registry.register(databaseInput({ tenantId: 'globex', name: 'Ledger' }));
  await registry.activate(orders.sourceId);
  await registry.recordConnection(orders.sourceId);
  return { ...fixture, sourceId: orders.sourceId };
}

describe('random invalid input', () => {
  it('always fails with INVALID_INPUT and { path, message } issues, and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(invalidCall, async (c) => {
        const { registry, store, sourceId } = await populated();
        const before = { head: await store.head(), snapshot: snapshotOf(registry) };
        const events = recordEvents(registry);
        let listenerErrors = 0;
        registry.on('listenerError', () => {
          listenerErrors++;
        });

        const error = await failureOf(() => call(registry, sourceId, c));
        await settle();

        expect(error.code).toBe(ErrorCode.INVALID_INPUT);
        const issues = error.details?.issues;
        expect(Array.isArray(issues) && issues.length > 0).toBe(true);
        for (const issue of issues as unknown[]) {
          expect(issue).toEqual({ path: expect.any(String), message: expect.any(String) });
        }
        expect(await store.head()).toBe(before.head);
        expect(registry.position).toBe(before.head);
        expect(snapshotOf(registry)).toBe(before.snapshot);
        expect(events).toEqual([]);
        expect(listenerErrors).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
