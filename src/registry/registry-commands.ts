import type { CommandContext, RegisterInput, UpdateInput } from '../domain/commands.js';
import type { DataSourceConfig, DataSourceConfigInput } from '../domain/config.js';
import type { CustomerDataSource } from '../domain/data-source.js';

/**
 * What a registry's commands do and how they fail: each appends its events
 * atomically, or nothing, and resolves once they are applied. Implemented by
 * `DataSourceRegistry`.
 */
export interface RegistryCommands {
  /**
   * Registers a new source, status pending, and resolves with it. Its name
   * must be free in its tenant; its id (given, or a new ULID) must never
   * have been used.
   *
   * @throws DataSourceError INVALID_INPUT for a bad input or ctx;
   *   DUPLICATE_ID when the id is or was in use; DUPLICATE_NAME when a live
   *   source of the tenant has the name; SECRET_UNAVAILABLE when the config
   *   holds a secret and a durable store has no key; FORBIDDEN after
   *   `close()` or on a read-only registry; CONCURRENCY_CONFLICT when
   *   conflicts outlast `conflictTimeoutMs`; STORE_ERROR when the store fails.
   *   Nothing is written when it throws.
   */
  register(input: RegisterInput, ctx?: CommandContext): Promise<CustomerDataSource>;

  /**
   * Changes name, description, config (replaced whole) or metadata (replaced
   * whole) and resolves with the source as it is now (null when no live
   * source has the id). What is left out stays; a change to nothing appends
   * nothing.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   DUPLICATE_NAME when another live source of the tenant has the new name,
   *   SECRET_UNAVAILABLE as {@link DataSourceRegistry.register}.
   */
  update(
    sourceId: string,
    changes: UpdateInput,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null>;

  /**
   * Replaces the config; the source goes to configuring. `"***"` in a secret
   * field keeps the stored secret, so a config read and written back changes
   * nothing it did not mean to.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   SECRET_UNAVAILABLE as {@link DataSourceRegistry.register}.
   */
  updateConfig(
    sourceId: string,
    config: DataSourceConfig | DataSourceConfigInput,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null>;

  /**
   * Moves the source to active and clears its last error; resolves with it.
   * Like every command on one source, it resolves to null, and writes
   * nothing, when no live source has the id (never registered, or deleted).
   *
   * @throws DataSourceError INVALID_INPUT for a bad id or ctx;
   *   INVALID_TRANSITION when the source is deprecated; CONCURRENCY_CONFLICT when `ctx.expectedVersion` is not the
   *   source's version, or conflicts outlast `conflictTimeoutMs`; FORBIDDEN
   *   after `close()` or on a read-only registry; STORE_ERROR when the store
   *   fails. Nothing is written when it throws.
   */
  activate(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null>;

  /**
   * Moves the source to inactive; resolves with it.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}.
   */
  deactivate(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null>;

  /**
   * Moves the source to deprecated, for good: no status or config change
   * after it. Resolves with the source.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}.
   */
  deprecate(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null>;

  /**
   * Counts a connection and stamps `lastConnected`; resolves with the source.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}.
   */
  recordConnection(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null>;

  /**
   * Counts an error, keeps its message as `lastError` and moves the source to
   * error (a deprecated one stays deprecated); resolves with it.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   INVALID_INPUT for a message that is empty or too long.
   */
  recordError(
    sourceId: string,
    message: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null>;

  /**
   * Adds a tag (nothing when it is there); resolves with the source.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   INVALID_INPUT for a bad tag or when the source holds the most tags
   *   allowed (`LIMITS.tagsPerSource`).
   */
  addTag(sourceId: string, tag: string, ctx?: CommandContext): Promise<CustomerDataSource | null>;

  /**
   * Removes a tag (nothing when it is not there); resolves with the source.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   INVALID_INPUT for a bad tag.
   */
  removeTag(
    sourceId: string,
    tag: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null>;

  /**
   * Lets a role use the source (see `CustomerDataSource.hasAccess`); resolves
   * with the source.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   INVALID_INPUT for a bad role or when the source lists the most roles
   *   allowed (`LIMITS.rolesPerSource`).
   */
  grantAccess(
    sourceId: string,
    role: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null>;

  /**
   * Takes a role off the source's list (nothing when it is not there);
   * resolves with the source. An empty list lets every role in.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, and
   *   INVALID_INPUT for a bad role.
   */
  revokeAccess(
    sourceId: string,
    role: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null>;

  /**
   * Deletes a source: gone from every query, its stream kept, its id never
   * used again, its name free again. Resolves to false when no live source
   * has the id.
   *
   * @throws DataSourceError as {@link DataSourceRegistry.activate}, but never
   *   INVALID_TRANSITION: a deprecated source can be deleted.
   */
  delete(sourceId: string, ctx?: CommandContext): Promise<boolean>;

  /**
   * Deletes every live source of a tenant in one atomic append; resolves to how many.
   *
   * @throws DataSourceError INVALID_INPUT for a bad tenant id or ctx (an
   *   `expectedVersion` included); FORBIDDEN after `close()` or on a
   *   read-only registry; CONCURRENCY_CONFLICT when sources keep joining the
   *   tenant until `conflictTimeoutMs` runs out; STORE_ERROR when the store
   *   fails. Nothing is written when it throws.
   */
  clearTenant(tenantId: string, ctx?: CommandContext): Promise<number>;

  /**
   * Deletes every live source of the tenant as {@link clearTenant} does (one
   * `DataSourceDeleted` per source, reason `tenant_purged`) and records the
   * purge, in one atomic append: a `TenantPurged` (`deletedSources`, the
   * ctx's actor in its metadata) on the tenant's own stream
   * `$tenant:<tenantId>`, appended even when no live source is left. Then it
   * destroys the tenant's data key. From then on no secret of
   * the tenant can be recovered from the store, from its history, or from
   * its events as stored before (a dump of the events table, an events
   * backup), even with the master key; everything else stays readable, and
   * its secrets read as `"<purged>"`. A copy of the data keys made before the
   * purge defeats it: see docs/security.md. Running it again destroys a key
   * a failed run left. Resolves to how many sources were deleted.
   *
   * @throws DataSourceError INVALID_INPUT for a bad tenant id or context, or
   *   an `expectedVersion`; FORBIDDEN when read-only or closed, or for a
   *   durable store that keeps no data keys (nothing is written);
   *   STORE_ERROR when the store fails.
   */
  purgeTenant(tenantId: string, ctx?: CommandContext): Promise<number>;

  /**
   * Makes `newKey` the master key: adds it to the log's key ring, then
   * rewraps every tenant data key under it in one transaction; no event is
   * rewritten. This instance seals under `newKey` from then on. Other
   * instances keep working when they were given `[newKey, oldKey]` before;
   * once every instance was restarted with `newKey` alone, the old key may
   * be dropped (unless the log holds secrets written before data keys,
   * which stay under the key that sealed them). Resolves to how many data
   * keys were rewrapped.
   *
   * @throws DataSourceError INVALID_INPUT for a key that is not 32 bytes (or
   *   their base64) or all zero bytes; FORBIDDEN when read-only or closed, or
   *   for a durable store that keeps no data keys; SECRET_UNAVAILABLE when
   *   this registry has no key, or a data key is wrapped under a key it does
   *   not hold (then no data key changed); STORE_ERROR when the store fails.
   */
  rotateEncryptionKey(newKey: Uint8Array | string): Promise<number>;

  /**
   * Forgets everything. Only an in-memory registry may: a durable log is never erased.
   * Running subscriptions start again from the first event of the emptied log.
   *
   * @throws DataSourceError FORBIDDEN on a durable store, a read-only
   *   registry, or after `close()`.
   */
  reset(): Promise<void>;
}
