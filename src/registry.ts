import {
  type CommandContext,
  type DataSourceCommand,
  errorMessageSchema,
  type RegisterInput,
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
import { catchUpToHead } from './follow/catch-up.js';
import type { DataSourceStats } from './projections/statistics.js';
import {
  assembleRegistry,
  type RegistryParts,
  replayLog,
  resetLog,
  shutDown,
} from './registry/assemble.js';
import { parseContext } from './registry/command-events.js';
import type { ListenerName, RegistryListeners } from './registry/event-bus.js';
import { assertCanPurge, rotateDataKeys } from './registry/key-commands.js';
import type { DataSourceRegistryOptions, ListFilter } from './registry/options.js';
import {
  parseLabelCommand,
  parseRegister,
  parseSourceId,
  parseTenantCommand,
} from './registry/parse-commands.js';
import { toDomainEvent } from './registry/read-events.js';
import type { RegistryCommands } from './registry/registry-commands.js';
import type { RegistryReads } from './registry/registry-reads.js';
import type { SnapshotInfo } from './registry/snapshots.js';
import type { SubscribeOptions, Subscription } from './registry/subscriptions.js';
import { createTenantHandle } from './registry/tenant-handle.js';
import type { TenantHandle, TenantHandleOptions } from './registry/tenant-handle-api.js';
import { parseMoment, type RegistryAt, registryAt } from './registry/time-travel.js';
import { readOnlyRefusal } from './security/protected-store.js';
import { redactEvent } from './security/redact.js';
import { createMemoryEventStore } from './store/memory-store.js';

const OPENED = Symbol('opened');

/**
 * The catalogue of data sources: commands append events, queries read the
 * projections, listeners hear every committed event.
 */
export class DataSourceRegistry implements RegistryCommands, RegistryReads {
  readonly #parts: RegistryParts;
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
    this.#parts = assembleRegistry(options, store, opened === OPENED, () => this.#assertOpen());
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
      await replayLog(registry.#parts);
    } catch (error) {
      registry.#parts.restored();
      await registry.close().catch(() => {});
      throw error;
    }
    return registry;
  }

  get position(): number {
    return this.#parts.models.state.position;
  }

  async register(input: RegisterInput, ctx?: CommandContext): Promise<CustomerDataSource> {
    const { sourceId, command } = parseRegister(input, this.#parts.writer.newId);
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
    const { tenant, context } = parseTenantCommand('clearTenant', tenantId, ctx);
    this.#assertWritable();
    return this.#parts.inFlight.track(this.#parts.writer.clearTenant(tenant, context));
  }

  async purgeTenant(tenantId: string, ctx?: CommandContext): Promise<number> {
    const { tenant, context } = parseTenantCommand('purgeTenant', tenantId, ctx);
    this.#assertWritable();
    assertCanPurge(this.#parts.rawStore);
    // The append that records the purge destroys the tenant's data keys in the same transaction.
    return this.#parts.inFlight.track(
      this.#parts.writer.clearTenant(tenant, context, 'tenant_purged'),
    );
  }

  async rotateEncryptionKey(newKey: Uint8Array | string): Promise<number> {
    this.#assertWritable();
    return this.#parts.inFlight.track(
      rotateDataKeys(this.#parts.store, this.#parts.rawStore, this.#parts.hasKey, newKey),
    );
  }

  forTenant(tenantId: string, options?: TenantHandleOptions): TenantHandle {
    this.#assertOpen();
    return createTenantHandle(this, tenantId, options);
  }

  async reset(): Promise<void> {
    this.#assertWritable();
    await resetLog(this.#parts);
  }

  get(sourceId: string): CustomerDataSource | null {
    this.#assertOpen();
    return this.#parts.queries.get(sourceId);
  }

  getByName(tenantId: string, name: string): CustomerDataSource | null {
    this.#assertOpen();
    return this.#parts.queries.getByName(tenantId, name);
  }

  list(filter: ListFilter = {}): readonly CustomerDataSource[] {
    this.#assertOpen();
    return this.#parts.queries.list(filter);
  }

  count(filter: ListFilter = {}): number {
    this.#assertOpen();
    return this.#parts.queries.count(filter);
  }

  getStatistics(tenantId?: string): DataSourceStats {
    this.#assertOpen();
    return this.#parts.queries.getStatistics(tenantId);
  }

  on<K extends ListenerName>(name: K, listener: RegistryListeners[K]): this {
    this.#assertOpen();
    this.#parts.bus.on(name, listener);
    return this;
  }

  off<K extends ListenerName>(name: K, listener?: RegistryListeners[K]): this {
    this.#parts.bus.off(name, listener);
    return this;
  }

  subscribe(options: SubscribeOptions): Subscription {
    this.#assertOpen();
    return this.#parts.subscriptions.start(options);
  }

  async snapshot(): Promise<SnapshotInfo> {
    this.#assertWritable();
    if (this.#parts.store.storeSnapshot === undefined) {
      throw new DataSourceError(`A ${this.#parts.store.kind} store keeps no snapshots`, {
        code: ErrorCode.FORBIDDEN,
      });
    }
    return this.#parts.inFlight.track(this.#parts.snapshots.take());
  }

  async history(sourceId: string): Promise<readonly DataSourceEvent[]> {
    const id = parseSourceId(sourceId);
    this.#assertOpen();
    const stored = await this.#parts.inFlight.track(this.#parts.store.readStream(id));
    return Object.freeze(stored.map((event) => deepFreeze(redactEvent(toDomainEvent(event)))));
  }

  async at(moment: number | Date): Promise<RegistryAt> {
    const parsed = parseMoment(moment);
    this.#assertOpen();
    return this.#parts.inFlight.track(registryAt(this.#parts.store, parsed));
  }

  async refresh(): Promise<void> {
    this.#assertOpen();
    await this.#parts.inFlight.track(catchUpToHead(this.#parts.store, this.#parts.catchUp));
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= shutDown(this.#parts);
    return this.#closing;
  }

  #assertOpen() {
    if (this.#closed) {
      throw new DataSourceError('The registry is closed', { code: ErrorCode.FORBIDDEN });
    }
  }

  #assertWritable() {
    this.#assertOpen();
    if (this.#parts.readOnly) throw readOnlyRefusal();
  }

  #execute(
    sourceId: string,
    ctx: CommandContext | undefined,
    command: DataSourceCommand,
  ): Promise<CustomerDataSource | null> {
    parseSourceId(sourceId);
    const context = parseContext(ctx);
    this.#assertWritable();
    return this.#parts.inFlight.track(this.#parts.writer.execute(sourceId, context, command));
  }
}
