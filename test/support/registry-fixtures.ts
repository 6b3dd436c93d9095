/**
 * Builders shared by the registry and projection tests: a clock the test
 * moves, ids that count up, inputs with sensible defaults, and helpers to
 * read what a command left behind. `createTestRegistry` makes a registry on
 * a memory store, for what only a memory store does (`reset()`, the
 * synchronous constructor); the registry suite runs on every store through
 * `describeEachStore` (store-matrix.ts).
 */
import { expect } from 'vitest';
import {
  type CustomerDataSource,
  createMemoryEventStore,
  DataSourceError,
  type DataSourceEvent,
  DataSourceRegistry,
  type DataSourceRegistryOptions,
  type DataSourceStats,
  type DataSourceStatus,
  type DataSourceType,
  type ErrorCode,
  type MemoryEventStore,
  type RegisterInput,
} from '../../src/index.js';
import { plainJson } from './plain.js';

/** The instant every test clock starts at. */
export const T0 = '2024-03-01T09:00:00.000Z';

/** The password the default input carries; it must never show up in events handed out. */
export const PLAINTEXT_PASSWORD = 'pl41ntext-p4ss!';

/** A clock that stands still until the test moves it. */
export interface TestClock {
  (): Date;
  /** Moves the clock forward. */
  advance(ms: number): void;
  /** The current time, as the registry writes it. */
  iso(): string;
}

export function testClock(start: string = T0): TestClock {
  let now = Date.parse(start);
  const clock = (() => new Date(now)) as TestClock;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.iso = () => new Date(now).toISOString();
  return clock;
}

/** Ids that count up: `id-000001`, `id-000002`, … */
export function sequentialIds(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${String(++n).padStart(6, '0')}`;
}

export interface TestRegistry {
  registry: DataSourceRegistry;
  store: MemoryEventStore;
  clock: TestClock;
}

/** An in-memory registry with a test clock and counting ids, on a fresh (or the given) store. */
export function createTestRegistry(
  options: Omit<DataSourceRegistryOptions, 'store'> & { store?: MemoryEventStore } = {},
): TestRegistry {
  const store = options.store ?? createMemoryEventStore();
  const clock = testClock();
  const registry = new DataSourceRegistry({
    clock,
    newId: sequentialIds(),
    ...options,
    store,
  });
  return { registry, store, clock };
}

/** A registration with test defaults: a Postgres database of tenant `acme`. */
export function databaseInput(overrides: Partial<RegisterInput> = {}): RegisterInput {
  return {
    tenantId: 'acme',
    name: 'Orders DB',
    sourceType: 'database',
    config: {
      host: 'db.acme.internal',
      port: 5432,
      username: 'orders',
      password: PLAINTEXT_PASSWORD,
      database: 'orders',
    },
    ...overrides,
  };
}

/**
 * The DataSourceError a call fails with, whether it throws at once or returns
 * a promise that rejects. Fails the test when the call succeeds.
 */
export async function failureOf(call: () => unknown): Promise<DataSourceError> {
  let outcome: unknown;
  try {
    outcome = await call();
  } catch (error) {
    expect(error).toBeInstanceOf(DataSourceError);
    return error as DataSourceError;
  }
  throw new Error(`expected a DataSourceError, got ${JSON.stringify(outcome)}`);
}

/** Like {@link failureOf}, and checks the code. */
export async function failsWith<C extends ErrorCode>(
  call: () => unknown,
  code: C,
): Promise<DataSourceError<C>> {
  const error = await failureOf(call);
  expect(error.code).toBe(code);
  return error as DataSourceError<C>;
}

/** Every event the registry publishes on `'*'`, in the order it publishes them. */
export function recordEvents(registry: DataSourceRegistry): DataSourceEvent[] {
  const events: DataSourceEvent[] = [];
  registry.on('*', (event) => {
    events.push(event);
  });
  return events;
}

/**
 * Everything a query can see, as one string: all sources, secrets included
 * (a wrong password must show), and the statistics of all and each tenant.
 */
export function snapshotOf(registry: Pick<DataSourceRegistry, 'list' | 'getStatistics'>): string {
  const sources = registry.list({ limit: 1e9 });
  const tenants = [...new Set(sources.map((source) => source.tenantId))].sort();
  return plainJson({
    sources,
    stats: registry.getStatistics(),
    byTenant: tenants.map((tenantId) => [tenantId, registry.getStatistics(tenantId)]),
  });
}

/** The statistics of a list of sources, counted one by one. */
export function recount(
  sources: readonly Pick<
    CustomerDataSource,
    'status' | 'sourceType' | 'connectionCount' | 'errorCount'
  >[],
): DataSourceStats {
  const byStatus = (status: DataSourceStatus) => sources.filter((s) => s.status === status).length;
  const sourcesByType: Partial<Record<DataSourceType, number>> = {};
  for (const source of sources) {
    sourcesByType[source.sourceType] = (sourcesByType[source.sourceType] ?? 0) + 1;
  }
  return {
    totalSources: sources.length,
    activeSources: byStatus('active'),
    inactiveSources: byStatus('inactive'),
    errorSources: byStatus('error'),
    pendingSources: byStatus('pending'),
    configuringSources: byStatus('configuring'),
    deprecatedSources: byStatus('deprecated'),
    sourcesByType: sourcesByType as Record<string, number>,
    totalConnections: sources.reduce((n, s) => n + s.connectionCount, 0),
    totalErrors: sources.reduce((n, s) => n + s.errorCount, 0),
  };
}

/** True when the value and everything reachable from it is frozen. */
export function isDeeplyFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (!Object.isFrozen(value)) return false;
  return Object.values(value).every(isDeeplyFrozen);
}

/**
 * Lets a registry follow what another wrote: queued microtasks, a few rounds
 * of immediates and a short pause, as a registry reads at most every few
 * milliseconds when notices come in bursts.
 */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}
