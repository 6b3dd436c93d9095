/**
 * A plain model of the registry, for model-based tests: for every command it
 * predicts exactly what the registry must answer (the source afterwards,
 * null, false, a count, or the error code) and how many events it appends.
 * It knows the status table and the name rules, not the code that enforces
 * them, so a registry that refuses what it should accept, or accepts what it
 * should refuse, disagrees with it.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  type CustomerDataSource,
  DataSourceConfig,
  type DataSourceRegistry,
  type DataSourceStatus,
  type DataSourceType,
  ErrorCode,
} from '../../src/index.js';

export const TENANTS = ['t1', 't2'] as const;
/** Few names, several spellings of each: duplicates are frequent. */
export const NAMES = ['alpha', 'Alpha', ' beta ', 'BETA', 'Caf\u00e9', 'Cafe\u0301'] as const;
/** Explicit ids, so commands aim at sources and registrations reuse ids. */
export const IDS = ['s1', 's2', 's3', 's4', 's5'] as const;
const TYPES = ['database', 'api', 'vector'] as const;
const TAGS = ['prod', ' pii'] as const;
const ROLES = ['admin', 'analyst'] as const;

/** One command, as data, so a counterexample prints readably. */
export type Op =
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
  | { kind: 'clearTenant'; tenant: string }
  | { kind: 'purgeTenant'; tenant: string }
  | { kind: 'invalid'; call: InvalidCall };

/** Input every registry must refuse with INVALID_INPUT, whatever its state. */
export type InvalidCall =
  | 'register with a blank name'
  | 'update with an unknown key'
  | 'add a blank tag'
  | 'record an empty error'
  | 'activate an id with spaces around it';

const INVALID_CALLS: readonly InvalidCall[] = [
  'register with a blank name',
  'update with an unknown key',
  'add a blank tag',
  'record an empty error',
  'activate an id with spaces around it',
];

export interface ModelSource {
  sourceId: string;
  tenantId: string;
  name: string;
  sourceType: DataSourceType;
  host: string;
  password: string | null;
  status: DataSourceStatus;
  description: string | null;
  tags: string[];
  metadata: Record<string, number>;
  accessRoles: string[];
  lastConnected: string | null;
  lastError: string | null;
  connectionCount: number;
  errorCount: number;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface Model {
  /** Live sources by id. */
  sources: Map<string, ModelSource>;
  /** Every stream ever written, deleted ones included: its version. */
  streams: Map<string, number>;
  /** How many events the log holds. */
  events: number;
}

export const emptyModel = (): Model => ({ sources: new Map(), streams: new Map(), events: 0 });

/** What a command must answer, and the model after it. */
export type Prediction =
  | { outcome: 'returns'; value: CustomerDataSource | null | boolean | number; next: Model }
  | { outcome: 'fails'; code: ErrorCode };

export const nameKey = (name: string) => name.trim().normalize('NFC').toLowerCase();

/** The source the registry must hand out for a model source. */
export function expectedSource(source: ModelSource): CustomerDataSource {
  const { host, password, ...fields } = source;
  return {
    ...fields,
    tags: [...source.tags],
    metadata: { ...source.metadata },
    accessRoles: [...source.accessRoles],
    config: DataSourceConfig.create({ host, password }),
    // The model holds no key: it knows which secrets have a fingerprint, not what it is.
    secretFingerprints:
      password === null ? {} : { password: expect.stringMatching(/^[0-9a-f]{16}$/) },
    ownerId: null,
  };
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The order lists come in: by name as users read it, then by exact name, then by id. */
export function inListOrder<T extends Pick<CustomerDataSource, 'name' | 'sourceId'>>(
  sources: readonly T[],
): T[] {
  return [...sources].sort(
    (a, b) =>
      compareText(nameKey(a.name), nameKey(b.name)) ||
      compareText(a.name, b.name) ||
      compareText(a.sourceId, b.sourceId),
  );
}

function clone(model: Model): Model {
  return {
    sources: new Map(
      [...model.sources].map(([id, s]) => [
        id,
        { ...s, tags: [...s.tags], accessRoles: [...s.accessRoles], metadata: { ...s.metadata } },
      ]),
    ),
    streams: new Map(model.streams),
    events: model.events,
  };
}

function sameMetadata(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k])
  );
}

const fails = (code: ErrorCode): Prediction => ({ outcome: 'fails', code });

/**
 * What `op` must do to a registry in the state `model`, at time `now`. Each
 * `emit` is one event: the source's version, its update time and the log's
 * length move together.
 */
export function predict(model: Model, op: Op, now: string): Prediction {
  const next = clone(model);
  const emit = (source: ModelSource) => {
    source.version += 1;
    source.updatedAt = now;
    next.streams.set(source.sourceId, source.version);
    next.events += 1;
  };
  const returns = (value: CustomerDataSource | null | boolean | number): Prediction => ({
    outcome: 'returns',
    value,
    next,
  });
  const holderOf = (tenantId: string, name: string) =>
    [...next.sources.values()].find(
      (s) => s.tenantId === tenantId && nameKey(s.name) === nameKey(name),
    );

  if (op.kind === 'invalid') return fails(ErrorCode.INVALID_INPUT);
  if (op.kind === 'register') {
    if (next.streams.has(op.id)) return fails(ErrorCode.DUPLICATE_ID);
    if (holderOf(op.tenant, op.name)) return fails(ErrorCode.DUPLICATE_NAME);
    const source: ModelSource = {
      sourceId: op.id,
      tenantId: op.tenant,
      name: op.name.trim(),
      sourceType: op.sourceType,
      host: 'db',
      password: op.password,
      status: 'pending',
      description: null,
      tags: [...new Set(op.tags.map((tag) => tag.trim()))],
      metadata: {},
      accessRoles: [],
      lastConnected: null,
      lastError: null,
      connectionCount: 0,
      errorCount: 0,
      createdAt: now,
      updatedAt: now,
      version: 0,
    };
    next.sources.set(op.id, source);
    emit(source);
    return returns(expectedSource(source));
  }
  if (op.kind === 'clearTenant' || op.kind === 'purgeTenant') {
    const mine = [...next.sources.values()].filter((s) => s.tenantId === op.tenant);
    for (const source of mine) {
      emit(source);
      next.sources.delete(source.sourceId);
    }
    if (op.kind === 'purgeTenant') {
      // Its TenantPurged, on the tenant's own stream, whether or not it deleted anything.
      const tenantStream = `$tenant:${op.tenant}`;
      next.streams.set(tenantStream, (next.streams.get(tenantStream) ?? 0) + 1);
      next.events += 1;
    }
    return returns(mine.length);
  }

  const source = next.sources.get(op.id);
  if (source === undefined) return returns(op.kind === 'delete' ? false : null);
  const unchanged = () => returns(expectedSource(source));
  const changed = () => {
    emit(source);
    return returns(expectedSource(source));
  };
  const deprecated = source.status === 'deprecated';

  switch (op.kind) {
    case 'update': {
      const name = op.name?.trim();
      if (name !== undefined && name !== source.name) {
        const holder = holderOf(source.tenantId, name);
        if (holder && holder.sourceId !== source.sourceId) return fails(ErrorCode.DUPLICATE_NAME);
        source.name = name;
        emit(source);
      }
      if (op.description !== undefined && op.description !== source.description) {
        source.description = op.description;
        emit(source);
      }
      if (op.metadata !== undefined && !sameMetadata(op.metadata, source.metadata)) {
        source.metadata = { ...op.metadata };
        emit(source);
      }
      return unchanged();
    }
    case 'updateConfig': {
      // "***" keeps the stored password, and with none stored it is bad input.
      let password = op.password;
      if (password === '***') {
        if (source.password === null) return fails(ErrorCode.INVALID_INPUT);
        password = source.password;
      }
      if (op.host === source.host && password === source.password) return unchanged();
      if (deprecated) return fails(ErrorCode.INVALID_TRANSITION);
      source.host = op.host;
      source.password = password;
      source.status = 'configuring';
      return changed();
    }
    case 'activate':
      if (source.status === 'active') return unchanged();
      if (deprecated) return fails(ErrorCode.INVALID_TRANSITION);
      source.status = 'active';
      source.lastError = null;
      return changed();
    case 'deactivate':
      if (source.status === 'inactive') return unchanged();
      if (deprecated) return fails(ErrorCode.INVALID_TRANSITION);
      source.status = 'inactive';
      return changed();
    case 'deprecate':
      if (deprecated) return unchanged();
      source.status = 'deprecated';
      return changed();
    case 'recordConnection':
      source.connectionCount += 1;
      source.lastConnected = now;
      return changed();
    case 'recordError':
      source.errorCount += 1;
      source.lastError = op.message;
      if (!deprecated) source.status = 'error';
      return changed();
    case 'addTag': {
      const tag = op.tag.trim();
      if (source.tags.includes(tag)) return unchanged();
      source.tags.push(tag);
      return changed();
    }
    case 'removeTag': {
      const tag = op.tag.trim();
      if (!source.tags.includes(tag)) return unchanged();
      source.tags = source.tags.filter((t) => t !== tag);
      return changed();
    }
    case 'grantAccess':
      if (source.accessRoles.includes(op.role)) return unchanged();
      source.accessRoles.push(op.role);
      return changed();
    case 'revokeAccess':
      if (!source.accessRoles.includes(op.role)) return unchanged();
      source.accessRoles = source.accessRoles.filter((r) => r !== op.role);
      return changed();
    case 'delete':
      emit(source);
      next.sources.delete(source.sourceId);
      return returns(true);
  }
}

// ── generating commands ──────────────────────────────────────────────────────

const id = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom(...IDS) },
  fc.constant('never-registered'),
);
const tenant = fc.constantFrom(...TENANTS);

/** Any command the model predicts, invalid input included. */
export const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
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
  {
    weight: 2,
    arbitrary: fc.record(
      {
        kind: fc.constant('update' as const),
        id,
        name: fc.constantFrom(...NAMES),
        description: fc.option(fc.constantFrom('first', 'second')),
        metadata: fc.dictionary(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 2 })),
      },
      { requiredKeys: ['kind', 'id'] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('updateConfig' as const),
      id,
      host: fc.constantFrom('db', 'h2'),
      password: fc.option(fc.constantFrom('pw-1', '***')),
    }),
  },
  {
    weight: 10,
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
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('recordError' as const),
      id,
      message: fc.constantFrom('timeout', 'refused'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('addTag' as const, 'removeTag' as const),
      id,
      tag: fc.constantFrom(...TAGS),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('grantAccess' as const, 'revokeAccess' as const),
      id,
      role: fc.constantFrom(...ROLES),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clearTenant' as const), tenant }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('purgeTenant' as const), tenant }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('invalid' as const),
      call: fc.constantFrom(...INVALID_CALLS),
    }),
  },
);

/**
 * Runs `op` on a registry as the model's operation means it; an invalid call
 * is left to `invalid`, since what it calls is up to the property.
 */
export function performOp(
  registry: DataSourceRegistry,
  op: Op,
  invalid: (call: Extract<Op, { kind: 'invalid' }>['call']) => Promise<unknown>,
): Promise<unknown> {
  switch (op.kind) {
    case 'register':
      return registry.register({
        tenantId: op.tenant,
        name: op.name,
        sourceType: op.sourceType,
        sourceId: op.id,
        tags: op.tags,
        config: { host: 'db', password: op.password },
      });
    case 'update': {
      const { kind: _, id: sourceId, ...changes } = op;
      return registry.update(sourceId, changes);
    }
    case 'updateConfig':
      return registry.updateConfig(op.id, { host: op.host, password: op.password });
    case 'recordError':
      return registry.recordError(op.id, op.message);
    case 'addTag':
    case 'removeTag':
      return registry[op.kind](op.id, op.tag);
    case 'grantAccess':
    case 'revokeAccess':
      return registry[op.kind](op.id, op.role);
    case 'clearTenant':
      return registry.clearTenant(op.tenant);
    case 'purgeTenant':
      return registry.purgeTenant(op.tenant);
    case 'invalid':
      return invalid(op.call);
    default:
      return registry[op.kind](op.id);
  }
}
