import { z } from 'zod';
import { accessRolesAfter } from '../domain/access-roles.js';
import {
  type CommandContext,
  commandContextSchema,
  type RegisterInput,
  registerInputSchema,
  roleSchema,
  tenantIdSchema,
} from '../domain/commands.js';
import type { CustomerDataSource } from '../domain/data-source.js';
import { DataSourceError, ErrorCode, parseInput } from '../domain/errors.js';
import type { DataSourceEvent } from '../domain/events.js';
import { copiedInput, copyInput } from '../domain/input-copy.js';
import { LIMITS } from '../domain/limits.js';
import { textSchema } from '../domain/text.js';
import { countSource, emptyStatsCounter, statsOf } from '../projections/statistics.js';
import type { DataSourceRegistry } from '../registry.js';
import { type ListFilter, listFilterSchema } from './options.js';
import { parseSourceId } from './parse-commands.js';
import type { TenantHandle, TenantHandleOptions } from './tenant-handle-api.js';

const optionsSchema = copiedInput(
  z.strictObject({
    actor: textSchema(LIMITS.contextTextBytes).optional(),
    roles: z
      .array(roleSchema)
      .transform((roles) => [...new Set(roles)])
      .optional(),
  }),
);

/** What a handle needs of the registry it scopes. */
export type ScopedRegistry = Pick<
  DataSourceRegistry,
  | 'register'
  | 'update'
  | 'updateConfig'
  | 'activate'
  | 'deactivate'
  | 'deprecate'
  | 'recordConnection'
  | 'recordError'
  | 'addTag'
  | 'removeTag'
  | 'grantAccess'
  | 'revokeAccess'
  | 'delete'
  | 'clearTenant'
  | 'get'
  | 'getByName'
  | 'list'
  | 'count'
  | 'getStatistics'
  | 'history'
  | 'refresh'
>;

const NO_EVENTS: readonly DataSourceEvent[] = Object.freeze([]);
const NO_SOURCES: readonly CustomerDataSource[] = Object.freeze([]);

function forbidden(message: string, sourceId?: string): DataSourceError {
  return new DataSourceError(message, { code: ErrorCode.FORBIDDEN, sourceId });
}

/**
 * A handle on one tenant of `registry` (see {@link TenantHandle}). Everything
 * goes through the registry's public methods, so the handle adds checks and
 * never a second path to the log.
 *
 * @throws DataSourceError INVALID_INPUT for a bad tenant id, actor or roles.
 */
export function createTenantHandle(
  registry: ScopedRegistry,
  tenantId: string,
  options: TenantHandleOptions = {},
): TenantHandle {
  const tenant = parseInput(tenantIdSchema, tenantId, 'tenant id');
  const parsed = parseInput(optionsSchema, options, 'tenant handle options');
  const actor = parsed.actor ?? null;
  const roles = parsed.roles === undefined ? null : Object.freeze(parsed.roles);

  /** `CustomerDataSource.hasAccess` for any of the caller's roles. */
  const sees = (accessRoles: readonly string[]) =>
    roles === null || accessRoles.length === 0 || roles.some((role) => accessRoles.includes(role));

  const scoped = (source: CustomerDataSource | null) =>
    source !== null && source.tenantId === tenant && sees(source.accessRoles) ? source : null;

  /**
   * The context a command runs with: the handle's actor, always. A context
   * naming another one (as `actor` or `metadata.actor`) is refused rather
   * than quietly rewritten, so a caller never believes it acted as someone else.
   */
  function contextOf(ctx: CommandContext | undefined): CommandContext {
    const context: CommandContext = parseInput(commandContextSchema, ctx ?? {}, 'command context');
    if (actor === null) return context;
    for (const claimed of [context.actor, context.metadata?.actor]) {
      if (claimed !== undefined && claimed !== actor) {
        throw forbidden(`This handle acts as ${JSON.stringify(actor)} and names no other actor`);
      }
    }
    return { ...context, actor };
  }

  /**
   * The source a command targets, if it may: null when there is no such live
   * source, also after reading to the head of the log (another instance may
   * have registered it); FORBIDDEN when it is another tenant's or hidden from
   * the roles. A source never changes tenant, so that check holds for good.
   */
  async function target(sourceId: string): Promise<CustomerDataSource | null> {
    let source = registry.get(sourceId);
    if (source === null) {
      await registry.refresh();
      source = registry.get(sourceId);
    }
    if (source === null) return null;
    if (source.tenantId !== tenant) {
      throw forbidden(`Data source ${sourceId} is not in tenant ${tenant}`, sourceId);
    }
    if (!sees(source.accessRoles)) {
      throw forbidden(`Data source ${sourceId} needs a role this handle does not have`, sourceId);
    }
    return source;
  }

  function conflict(sourceId: string, expected: number, actual: number) {
    return new DataSourceError(`Data source ${sourceId} is at version ${actual}, not ${expected}`, {
      code: ErrorCode.CONCURRENCY_CONFLICT,
      sourceId,
      details: { reason: 'version', streamId: sourceId, expected, actual },
    });
  }

  /**
   * Runs a command on one source after checking it may. Roles can change
   * under a command, so with roles the command runs with the version that
   * was checked as its expected version: a source moved on in between is
   * checked again, and the command never lands on a state nobody checked.
   * `rolesAfter` says what the source's roles will be, for commands that change them.
   */
  async function onSource<T>(
    sourceId: string,
    ctx: CommandContext | undefined,
    absent: T,
    run: (id: string, ctx: CommandContext) => Promise<T>,
    rolesAfter?: (source: CustomerDataSource) => readonly string[],
  ): Promise<T> {
    const id = parseSourceId(sourceId);
    const context = contextOf(ctx);
    const expected = context.expectedVersion;
    let refreshed = false;
    for (;;) {
      const source = await target(id);
      if (source === null) return absent;
      if (roles === null) return run(id, context);
      if (rolesAfter && !sees(rolesAfter(source))) {
        throw forbidden(`This would hide data source ${id} from this handle's roles`, id);
      }
      if (expected !== undefined && expected !== source.version) {
        // This registry may be behind the caller: read to the head before calling it a conflict.
        if (refreshed) throw conflict(id, expected, source.version);
        refreshed = true;
        await registry.refresh();
        continue;
      }
      try {
        return await run(id, { ...context, expectedVersion: source.version });
      } catch (error) {
        const lostRace =
          expected === undefined &&
          error instanceof DataSourceError &&
          error.code === ErrorCode.CONCURRENCY_CONFLICT;
        if (!lostRace) throw error;
        // The writer saw the source move on, but the view may not show it yet:
        // a store can commit an event a moment before a read of the log finds it.
        const moved = () => registry.get(id)?.version !== source.version;
        if (!moved()) await registry.refresh();
        if (!moved()) throw error;
      }
    }
  }

  function registration(input: unknown): RegisterInput {
    const copy = copyInput(input);
    const value = 'value' in copy ? copy.value : undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      // Not an object to read a tenant from: the registration check says why.
      return parseInput(registerInputSchema, input, 'data source');
    }
    const fields = value as Record<string, unknown>;
    if (
      fields.tenantId !== undefined &&
      parseInput(tenantIdSchema, fields.tenantId, 'tenant id') !== tenant
    ) {
      throw forbidden(`This handle registers in tenant ${tenant} only`);
    }
    const own = { ...fields, tenantId: tenant };
    const checked = parseInput(registerInputSchema, own, 'data source');
    if (!sees(checked.accessRoles ?? [])) {
      throw forbidden("The new source's access roles would hide it from this handle's roles");
    }
    // `own` passed the registration check; the registry checks its own copy again.
    return own as RegisterInput;
  }

  /** The filter as the registry takes it, or null when it names another tenant. */
  function filterOf(filter: unknown): ListFilter | null {
    const checked = parseInput(listFilterSchema, filter ?? {}, 'filter');
    if (checked.tenantId !== undefined && checked.tenantId !== tenant) return null;
    return { ...checked, tenantId: tenant };
  }

  /** Every visible source matching the filter, unpaged: roles are not indexed. */
  function visibleSources(filter: ListFilter): readonly CustomerDataSource[] {
    const { limit: _l, offset: _o, ...rest } = filter;
    const all = registry.list({ ...rest, limit: Number.MAX_SAFE_INTEGER });
    return all.filter((source) => sees(source.accessRoles));
  }

  return Object.freeze({
    tenantId: tenant,
    actor,
    roles,

    register: async (input, ctx) => registry.register(registration(input), contextOf(ctx)),
    update: (sourceId, changes, ctx) =>
      onSource(sourceId, ctx, null, (id, c) => registry.update(id, changes, c)),
    updateConfig: (sourceId, config, ctx) =>
      onSource(sourceId, ctx, null, (id, c) => registry.updateConfig(id, config, c)),
    activate: (sourceId, ctx) => onSource(sourceId, ctx, null, registry.activate.bind(registry)),
    deactivate: (sourceId, ctx) =>
      onSource(sourceId, ctx, null, registry.deactivate.bind(registry)),
    deprecate: (sourceId, ctx) => onSource(sourceId, ctx, null, registry.deprecate.bind(registry)),
    recordConnection: (sourceId, ctx) =>
      onSource(sourceId, ctx, null, registry.recordConnection.bind(registry)),
    recordError: (sourceId, message, ctx) =>
      onSource(sourceId, ctx, null, (id, c) => registry.recordError(id, message, c)),
    addTag: (sourceId, tag, ctx) =>
      onSource(sourceId, ctx, null, (id, c) => registry.addTag(id, tag, c)),
    removeTag: (sourceId, tag, ctx) =>
      onSource(sourceId, ctx, null, (id, c) => registry.removeTag(id, tag, c)),
    async grantAccess(sourceId, role, ctx) {
      const granted = parseInput(roleSchema, role, 'role', { sourceId: parseSourceId(sourceId) });
      return onSource(
        sourceId,
        ctx,
        null,
        (id, c) => registry.grantAccess(id, granted, c),
        (source) => [...source.accessRoles, granted],
      );
    },
    async revokeAccess(sourceId, role, ctx) {
      const revoked = parseInput(roleSchema, role, 'role', { sourceId: parseSourceId(sourceId) });
      return onSource(
        sourceId,
        ctx,
        null,
        (id, c) => registry.revokeAccess(id, revoked, c),
        (source) => source.accessRoles.filter((held) => held !== revoked),
      );
    },
    delete: (sourceId, ctx) => onSource(sourceId, ctx, false, registry.delete.bind(registry)),
    async clearTenant(ctx) {
      const context = contextOf(ctx);
      if (roles !== null) {
        throw forbidden(
          'A handle with roles may not clear its tenant: some sources may be hidden from it',
        );
      }
      return registry.clearTenant(tenant, context);
    },

    get: (sourceId) => scoped(registry.get(sourceId)),
    getByName: (name) => scoped(registry.getByName(tenant, name)),
    list(filter = {}) {
      const scopedFilter = filterOf(filter);
      if (scopedFilter === null) return NO_SOURCES;
      if (roles === null) return registry.list(scopedFilter);
      const { limit = 100, offset = 0 } = scopedFilter;
      return Object.freeze(visibleSources(scopedFilter).slice(offset, offset + limit));
    },
    count(filter = {}) {
      const scopedFilter = filterOf(filter);
      if (scopedFilter === null) return 0;
      if (roles === null) return registry.count(scopedFilter);
      return visibleSources(scopedFilter).length;
    },
    getStatistics() {
      if (roles === null) return registry.getStatistics(tenant);
      const counter = emptyStatsCounter();
      for (const source of visibleSources({ tenantId: tenant })) countSource(counter, source, 1);
      return statsOf(counter);
    },
    async history(sourceId) {
      const events = await registry.history(sourceId);
      if (events[0]?.tenantId !== tenant || !sees(accessRolesAfter(events))) return NO_EVENTS;
      return events;
    },
  } satisfies TenantHandle);
}
