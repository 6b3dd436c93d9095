/** What a tenant handle is to its callers: its options and methods. */
import type { CommandContext, RegisterInput, UpdateInput } from '../domain/commands.js';
import type { DataSourceConfig, DataSourceConfigInput } from '../domain/config.js';
import type { CustomerDataSource } from '../domain/data-source.js';
import type { DataSourceEvent } from '../domain/events.js';
import type { DataSourceStats } from '../projections/statistics.js';
import type { ListFilter } from './options.js';

/** Who acts through a tenant handle, and with which access roles. */
export interface TenantHandleOptions {
  /** Recorded as `metadata.actor` on every event the handle appends. */
  actor?: string | undefined;
  /**
   * The caller's access roles. Given, the handle sees only sources whose
   * `accessRoles` is empty or holds one of them; an empty list sees only the
   * sources open to everyone. Left out, every source of the tenant is visible.
   */
  roles?: readonly string[] | undefined;
}

/** A registration through a handle: the tenant is the handle's. */
export type TenantRegisterInput = Omit<RegisterInput, 'tenantId'>;

/** The filter of a handle's `list` and `count`: the tenant is the handle's. */
export type TenantListFilter = Omit<ListFilter, 'tenantId'>;

/**
 * The registry as one tenant, and optionally one set of access roles, sees
 * it: the same commands and queries, without tenant arguments. Sources of
 * other tenants, and sources whose roles the caller lacks, do not exist for
 * queries (null, empty, not counted); commands on them fail with FORBIDDEN
 * and append nothing. Every command may also fail as the registry's own
 * does (INVALID_INPUT, INVALID_TRANSITION, DUPLICATE_NAME, STORE_ERROR …),
 * and with FORBIDDEN after the registry is closed.
 */
export interface TenantHandle {
  /** The tenant, trimmed and NFC. */
  readonly tenantId: string;
  /** The actor recorded on every event, or null when the command context names it. */
  readonly actor: string | null;
  /** The caller's roles, trimmed and distinct, or null when roles are not checked. */
  readonly roles: readonly string[] | null;

  /**
   * Registers a source in the handle's tenant.
   * @throws DataSourceError FORBIDDEN when the input names another tenant, or
   *   when its `accessRoles` would hide the new source from the handle's roles.
   */
  register(input: TenantRegisterInput, ctx?: CommandContext): Promise<CustomerDataSource>;
  /**
   * `registry.update` on a source of the handle's tenant; null when there is none.
   * @throws DataSourceError FORBIDDEN for another tenant's source or one the roles do not see.
   */
  update(
    sourceId: string,
    changes: UpdateInput,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null>;
  /** `registry.updateConfig`, scoped like {@link TenantHandle.update}. */
  updateConfig(
    sourceId: string,
    config: DataSourceConfig | DataSourceConfigInput,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null>;
  /** `registry.activate`, scoped like {@link TenantHandle.update}. */
  activate(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null>;
  /** `registry.deactivate`, scoped like {@link TenantHandle.update}. */
  deactivate(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null>;
  /** `registry.deprecate`, scoped like {@link TenantHandle.update}. */
  deprecate(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null>;
  /** `registry.recordConnection`, scoped like {@link TenantHandle.update}. */
  recordConnection(sourceId: string, ctx?: CommandContext): Promise<CustomerDataSource | null>;
  /** `registry.recordError`, scoped like {@link TenantHandle.update}. */
  recordError(
    sourceId: string,
    message: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null>;
  /** `registry.addTag`, scoped like {@link TenantHandle.update}. */
  addTag(sourceId: string, tag: string, ctx?: CommandContext): Promise<CustomerDataSource | null>;
  /** `registry.removeTag`, scoped like {@link TenantHandle.update}. */
  removeTag(
    sourceId: string,
    tag: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null>;
  /**
   * `registry.grantAccess`, scoped like {@link TenantHandle.update}.
   * @throws DataSourceError FORBIDDEN also when the grant would hide the
   *   source from the handle's roles (a handle cannot lock itself out).
   */
  grantAccess(
    sourceId: string,
    role: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null>;
  /**
   * `registry.revokeAccess`, scoped like {@link TenantHandle.update}.
   * @throws DataSourceError FORBIDDEN also when the revocation would hide the
   *   source from the handle's roles.
   */
  revokeAccess(
    sourceId: string,
    role: string,
    ctx?: CommandContext,
  ): Promise<CustomerDataSource | null>;
  /** `registry.delete`, scoped like {@link TenantHandle.update}; false when there is no such source. */
  delete(sourceId: string, ctx?: CommandContext): Promise<boolean>;
  /**
   * Deletes every live source of the handle's tenant, atomically; resolves to how many.
   * @throws DataSourceError FORBIDDEN on a handle with roles: it would delete
   *   sources the caller cannot see.
   */
  clearTenant(ctx?: CommandContext): Promise<number>;

  /** The live source with this id, if it is the tenant's and visible; else null. */
  get(sourceId: string): CustomerDataSource | null;
  /** The tenant's live source with this name (trimmed, NFC, any case), if visible; else null. */
  getByName(name: string): CustomerDataSource | null;
  /**
   * The tenant's visible live sources, sorted by name then id; 100 at most
   * unless `limit` says otherwise. A filter naming another tenant lists nothing.
   */
  list(filter?: TenantListFilter): readonly CustomerDataSource[];
  /** How many of the tenant's visible live sources match the filter (paging ignored). */
  count(filter?: TenantListFilter): number;
  /** Statistics of the tenant's visible live sources. */
  getStatistics(): DataSourceStats;
  /**
   * Every event of one of the tenant's streams, deleted sources included,
   * secrets as "***"; empty for another tenant's stream, or one whose last
   * access roles the handle's roles do not meet.
   */
  history(sourceId: string): Promise<readonly DataSourceEvent[]>;
}
