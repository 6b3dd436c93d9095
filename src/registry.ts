import {
  type CommandContext,
  type DataSourceCommand,
  errorMessageSchema,
  type RegisterInput,
  tenantIdSchema,
  type UpdateInput,
  updateInputSchema,
} from './domain/commands.js';
import {
  completeConfig,
  type DataSourceConfig,
  type DataSourceConfigInput,
  parseConfig,
} from './domain/config.js';
import type { CustomerDataSource } from './domain/data-source.js';
import { DataSourceError, ErrorCode, parseInput } from './domain/errors.js';
import type { DataSourceEvent } from './domain/events.js';
import { deepFreeze } from './domain/freeze.js';
import { catchUpToHead, createCatchUp } from './follow/catch-up.js';
import { type Follower, followStore } from './follow/follower.js';
import type { DataSourceStats } from './projections/statistics.js';
import { parseContext } from './registry/command-events.js';
import { type CommandWriter, createCommandWriter } from './registry/command-writer.js';
import { createEventBus, type ListenerName, type RegistryListeners } from './registry/event-bus.js';
import { createUlidFactory } from './registry/ids.js';
import { createInFlight } from './registry/in-flight.js';
import { assertCanPurge, rotateDataKeys } from './registry/key-commands.js';
import { createKeyedLock } from './registry/keyed-lock.js';
import { applyToModels, clearModels, createModels } from './registry/models.js';
import {
  type DataSourceRegistryOptions,
  type ListFilter,
  registryOptionsSchema,
} from './registry/options.js';
import { parseLabelCommand, parseRegister, parseSourceId } from './registry/parse-commands.js';
import { toDomainEvent } from './registry/read-events.js';
import type { RegistryCommands } from './registry/registry-commands.js';
import type { RegistryReads } from './registry/registry-reads.js';
import {
  checkSnapshotEvery,
  createSnapshotter,
  type SnapshotInfo,
  type Snapshotter,
  snapshotSecretMode,
} from './registry/snapshots.js';
import { sourceQueries } from './registry/source-queries.js';
import {
  createSubscriptions,
  type SubscribeOptions,
  type Subscription,
  type Subscriptions,
} from './registry/subscriptions.js';
import { createTenantHandle } from './registry/tenant-handle.js';
import type { TenantHandle, TenantHandleOptions } from './registry/tenant-handle-api.js';
import { parseMoment, type RegistryAt, registryAt } from './registry/time-travel.js';
import { resolveEncryptionKeys } from './security/encryption-key.js';
import { enterKeyRing, enterKeyRingSync } from './security/key-ring.js';
import {
  protectSecrets,
  readOnlyRefusal,
  readOnlyStore,
  tenantKeysOf,
} from './security/protected-store.js';
import { redactEvent } from './security/redact.js';
import { encryptionKeyId } from './security/secret-cipher.js';
import { createSecretFingerprinter } from './security/secret-fingerprints.js';
import { checkChainOnRead } from './store/chain-checked-store.js';
import type { EventStore } from './store/event-store.js';
import { createMemoryEventStore, type MemoryEventStore } from './store/memory-store.js';

const OPENED = Symbol('opened');

function isMemoryStore(store: EventStore): store is MemoryEventStore {
  return store.kind === 'memory' && 'readAllSync' in store;
}

/**
 * The catalogue of data sources: commands append events, queries read the
 * projections, listeners hear every committed event.
 */
export class DataSourceRegistry implements RegistryCommands, RegistryReads {
  readonly #store: EventStore;
  /** The store as given, for what the secrets wrapper does not pass on (the data keys). */
  readonly #rawStore: EventStore;
  readonly #hasKey: boolean;
  /** The state commands are decided on (and its position, where the log is followed from), the projections queries read. */
  readonly #models = createModels();
  readonly #queries = sourceQueries(this.#models.projections);
  readonly #bus = createEventBus();
  readonly #locks = createKeyedLock();
  readonly #catchUp;
  readonly #writer: CommandWriter;
  readonly #follower: Follower;
  readonly #inFlight = createInFlight();
  readonly #subscriptions: Subscriptions;
  readonly #snapshots: Snapshotter;
  readonly #readOnly: boolean;
  /** The ids of this instance's keys, current first; empty without a key or when read-only. */
  readonly #keyIds: readonly string[];
  /** Lets the log be read: at once, or once open() has restored a snapshot. */
  #restored: () => void = () => {};
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * An in-memory registry, ready at once. A durable store needs
   * {@link DataSourceRegistry.open}, which replays it first.
   *
   * @throws DataSourceError FORBIDDEN for a durable store; INVALID_INPUT for
   *   a bad option; SECRET_UNAVAILABLE when the store's key ring holds none
   *   of the given keys.
   */
  constructor(options: DataSourceRegistryOptions = {}, opened?: typeof OPENED) {
    const store = options.store ?? createMemoryEventStore();
    if (store.durable && opened !== OPENED) {
      throw new DataSourceError(
        `A ${store.kind} store must be opened with await DataSourceRegistry.open({ store })`,
        { code: ErrorCode.FORBIDDEN },
      );
    }
    const conflicts = parseInput(registryOptionsSchema, options, 'registry options');
    // Checked on every store, so a bad key fails in tests on memory, not first in production.
    const keys = resolveEncryptionKeys(options.encryptionKey, process.env);
    this.#readOnly = conflicts.readOnly;
    this.#keyIds = keys === null || this.#readOnly ? [] : keys.map(encryptionKeyId);
    // The chain is checked on the stored events, secrets still sealed, before anything opens them.
    const chain = checkChainOnRead(store);
    this.#store = this.#readOnly ? readOnlyStore(chain.store) : protectSecrets(chain.store, keys);
    this.#rawStore = store;
    this.#hasKey = keys !== null;
    // open() restores a snapshot before anything reads the log; the follower may hear an append first.
    const restored = new Promise<void>((resolve) => {
      this.#restored = resolve;
    });
    if (opened !== OPENED) this.#restored();
    this.#catchUp = createCatchUp(
      this.#store,
      () => this.#models.state.position,
      (events) => this.#apply(events.map(toDomainEvent)),
      restored,
    );
    this.#writer = createCommandWriter({
      store: this.#store,
      state: this.#models.state,
      projections: this.#models.projections,
      locks: this.#locks,
      catchUp: this.#catchUp,
      apply: (events) => this.#apply(events),
      fellBehind: (head, error) => this.#follower.fellBehind(head, error),
      clock: options.clock ?? (() => new Date()),
      newId: options.newId ?? createUlidFactory(),
      fingerprint: createSecretFingerprinter(keys?.[0] ?? null),
      conflictTimeoutMs: conflicts.conflictTimeoutMs,
      retries: conflicts.conflictRetries ?? Number.POSITIVE_INFINITY,
    });
    checkSnapshotEvery(store, conflicts.snapshotEvery);
    this.#snapshots = createSnapshotter({
      store: this.#store,
      models: this.#models,
      secrets: snapshotSecretMode(store, this.#readOnly, keys, tenantKeysOf(this.#store)),
      every: conflicts.snapshotEvery ?? null,
      resumeChain: (link) => chain.resumeFrom(link),
      reportError: (failure) => this.#bus.reportSnapshotError(failure),
    });
    if (isMemoryStore(store)) {
      if (opened !== OPENED) enterKeyRingSync(store, this.#keyIds);
      const events = store.readAllSync().map(toDomainEvent);
      this.#apply(this.#readOnly ? events.map(redactEvent) : events);
    }
    this.#subscriptions = createSubscriptions(
      this.#store,
      (failure) => this.#bus.reportSubscriptionError(failure),
      () => this.#assertOpen(),
    );
    this.#follower = followStore({
      store,
      position: () => this.#models.state.position,
      catchUp: this.#catchUp,
      onError: (failure) => this.#bus.reportFollowError(failure),
    });
  }

  /**
   * A registry on any store, after replaying its log into the projections.
   * When opening fails, the store it was given is closed.
   *
   * @throws DataSourceError INVALID_INPUT for a bad option (a key not 32
   *   bytes, not base64 or all zero); SECRET_UNAVAILABLE when the log's key
   *   ring holds none of the given keys (nothing is written), or a secret in
   *   the log cannot be opened with them; CORRUPT_LOG, with `details.position`
   *   and `details.reason`, when the log's hash chain is broken (an event
   *   changed, removed, moved or inserted around the store) or a row is
   *   damaged; STORE_ERROR when the store fails.
   */
  static async open(options: DataSourceRegistryOptions = {}): Promise<DataSourceRegistry> {
    let registry: DataSourceRegistry;
    try {
      registry = new DataSourceRegistry(options, OPENED);
    } catch (error) {
      await options.store?.close().catch(() => {});
      throw error;
    }
    try {
      // Refused before it reads or writes; a new log's ring is pinned once it was read.
      const pin = await enterKeyRing(registry.#store, registry.#keyIds);
      // The newest snapshot that can be trusted, then only the events after it.
      await registry.#snapshots.load().finally(registry.#restored);
      await registry.#catchUp();
      await pin();
    } catch (error) {
      registry.#restored();
      await registry.close().catch(() => {});
      throw error;
    }
    return registry;
  }

  get position(): number {
    return this.#models.state.position;
  }

  async register(input: RegisterInput, ctx?: CommandContext): Promise<CustomerDataSource> {
    const { sourceId, command } = parseRegister(input, this.#writer.newId);
    return (await this.#execute(sourceId, ctx, command)) as CustomerDataSource;
  }

  async update(
    sourceId: string,
    changes: UpdateInput,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    const parsed = parseInput(updateInputSchema, changes, 'update', { sourceId });
    const config = parsed.config === undefined ? undefined : completeConfig(parsed.config);
    return this.#execute(sourceId, ctx, { ...parsed, type: 'Update', config });
  }

  async updateConfig(
    sourceId: string,
    config: DataSourceConfig | DataSourceConfigInput,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, { type: 'UpdateConfig', config: parseConfig(config) });
  }

  async activate(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, { type: 'Activate' });
  }

  async deactivate(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, { type: 'Deactivate' });
  }

  async deprecate(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, { type: 'Deprecate' });
  }

  async recordConnection(
    sourceId: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, { type: 'RecordConnection' });
  }

  async recordError(
    sourceId: string,
    message: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    const error = parseInput(errorMessageSchema, message, 'error message', { sourceId });
    return this.#execute(sourceId, ctx, { type: 'RecordError', message: error });
  }

  async addTag(
    sourceId: string,
    tag: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, parseLabelCommand('AddTag', tag, sourceId));
  }

  async removeTag(
    sourceId: string,
    tag: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, parseLabelCommand('RemoveTag', tag, sourceId));
  }

  async grantAccess(
    sourceId: string,
    role: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, parseLabelCommand('GrantAccess', role, sourceId));
  }

  async revokeAccess(
    sourceId: string,
    role: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null> {
    return this.#execute(sourceId, ctx, parseLabelCommand('RevokeAccess', role, sourceId));
  }

  async delete(sourceId: string, ctx?: CommandContext): Promise<boolean> {
    const before = await this.#execute(sourceId, ctx, { type: 'Delete', reason: 'deleted' });
    return before !== null;
  }

  async clearTenant(tenantId: string, ctx?: CommandContext): Promise<number> {
    const tenant = parseInput(tenantIdSchema, tenantId, 'tenant id');
    const context = parseContext(ctx);
    if (context.expectedVersion !== undefined) {
      throw new DataSourceError('expectedVersion applies to one source, not to clearTenant', {
        code: ErrorCode.INVALID_INPUT,
        details: { issues: [{ path: 'expectedVersion', message: 'not allowed here' }] },
      });
    }
    this.#assertWritable();
    return this.#inFlight.track(this.#writer.clearTenant(tenant, context));
  }

  async purgeTenant(tenantId: string, ctx?: CommandContext): Promise<number> {
    const tenant = parseInput(tenantIdSchema, tenantId, 'tenant id');
    const context = parseContext(ctx);
    if (context.expectedVersion !== undefined) {
      throw new DataSourceError('expectedVersion applies to one source, not to purgeTenant', {
        code: ErrorCode.INVALID_INPUT,
        details: { issues: [{ path: 'expectedVersion', message: 'not allowed here' }] },
      });
    }
    this.#assertWritable();
    assertCanPurge(this.#rawStore);
    // The append that records the purge destroys the tenant's data keys in the same transaction.
    return this.#inFlight.track(this.#writer.clearTenant(tenant, context, 'tenant_purged'));
  }

  async rotateEncryptionKey(newKey: Uint8Array | string): Promise<number> {
    this.#assertWritable();
    return this.#inFlight.track(rotateDataKeys(this.#store, this.#rawStore, this.#hasKey, newKey));
  }

  forTenant(tenantId: string, options?: TenantHandleOptions): TenantHandle {
    this.#assertOpen();
    return createTenantHandle(this, tenantId, options);
  }

  async reset(): Promise<void> {
    this.#assertWritable();
    const store = this.#store;
    if (store.durable || !isMemoryStore(store)) {
      throw new DataSourceError(`reset() would erase a ${store.kind} log; it is refused`, {
        code: ErrorCode.FORBIDDEN,
      });
    }
    await this.#locks.run(['*reset*'], () =>
      this.#subscriptions.rewind(() => {
        store.clear();
        clearModels(this.#models);
        this.#follower.reset();
      }),
    );
  }

  get(sourceId: string): CustomerDataSource | null {
    this.#assertOpen();
    return this.#queries.get(sourceId);
  }

  getByName(tenantId: string, name: string): CustomerDataSource | null {
    this.#assertOpen();
    return this.#queries.getByName(tenantId, name);
  }

  list(filter: ListFilter = {}): readonly CustomerDataSource[] {
    this.#assertOpen();
    return this.#queries.list(filter);
  }

  count(filter: ListFilter = {}): number {
    this.#assertOpen();
    return this.#queries.count(filter);
  }

  getStatistics(tenantId?: string): DataSourceStats {
    this.#assertOpen();
    return this.#queries.getStatistics(tenantId);
  }

  on<K extends ListenerName>(name: K, listener: RegistryListeners[K]): this {
    this.#assertOpen();
    this.#bus.on(name, listener);
    return this;
  }

  off<K extends ListenerName>(name: K, listener?: RegistryListeners[K]): this {
    this.#bus.off(name, listener);
    return this;
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.#assertOpen();
    return this.#subscriptions.start(options);
  }

  async snapshot(): Promise<SnapshotInfo> {
    this.#assertWritable();
    if (this.#store.storeSnapshot === undefined) {
      throw new DataSourceError(`A ${this.#store.kind} store keeps no snapshots`, {
        code: ErrorCode.FORBIDDEN,
      });
    }
    return this.#inFlight.track(this.#snapshots.take());
  }

  async history(sourceId: string): Promise<readonly DataSourceEvent[]> {
    const id = parseSourceId(sourceId);
    this.#assertOpen();
    const stored = await this.#inFlight.track(this.#store.readStream(id));
    return Object.freeze(stored.map((event) => deepFreeze(redactEvent(toDomainEvent(event)))));
  }

  async at(moment: number | Date): Promise<RegistryAt> {
    const parsed = parseMoment(moment);
    this.#assertOpen();
    return this.#inFlight.track(registryAt(this.#store, parsed));
  }

  async refresh(): Promise<void> {
    this.#assertOpen();
    await this.#inFlight.track(catchUpToHead(this.#store, this.#catchUp));
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#drainAndClose();
    return this.#closing;
  }

  async #drainAndClose(): Promise<void> {
    // Nothing new is accepted once #closed is set, so one pass sees them all.
    await this.#inFlight.settled();
    await this.#snapshots.stop();
    await this.#subscriptions.stopAll();
    this.#follower.stop();
    // A read still running would otherwise meet a closed store (or a pool that never answers).
    await this.#catchUp.idle();
    await this.#store.close();
  }

  #assertOpen() {
    if (this.#closed) {
      throw new DataSourceError('The registry is closed', { code: ErrorCode.FORBIDDEN });
    }
  }

  #assertWritable() {
    this.#assertOpen();
    if (this.#readOnly) throw readOnlyRefusal();
  }

  #execute(
    sourceId: string,
    ctx: CommandContext | undefined,
    command: DataSourceCommand,
  ): Promise<CustomerDataSource | null> {
    parseSourceId(sourceId);
    const context = parseContext(ctx);
    this.#assertWritable();
    return this.#inFlight.track(this.#writer.execute(sourceId, context, command));
  }

  #apply(events: readonly DataSourceEvent[]) {
    const fresh = events.filter((event) => event.position > this.#models.state.position);
    if (fresh.length === 0) return;
    applyToModels(this.#models, fresh);
    this.#snapshots.applied(fresh.length);
    for (const event of fresh) {
      if (this.#bus.wants(event.type)) this.#bus.publish(deepFreeze(redactEvent(event)));
    }
  }
}
