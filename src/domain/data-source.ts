import { z } from 'zod';
import { DataSourceConfig, dataSourceConfigSchema } from './config.js';
import type { DeepReadonly } from './deep-readonly.js';
import { dataSourceStatusSchema, dataSourceTypeSchema } from './enums.js';
import { jsonObjectSchema } from './json.js';
import { secretFingerprintsSchema } from './secret-fingerprints.js';

/** The state of one live data source, as the registry hands it out. */
export const customerDataSourceSchema = z.strictObject({
  sourceId: z.string(),
  tenantId: z.string(),
  name: z.string(),
  sourceType: dataSourceTypeSchema,
  config: dataSourceConfigSchema,
  /**
   * A keyed hash of each secret of `config` that is set, by field
   * (`password`, `oauthConfig.clientSecret`, …): equal within one key when
   * the secrets are equal. Empty for a config written before fingerprints.
   */
  secretFingerprints: secretFingerprintsSchema,
  status: dataSourceStatusSchema,
  description: z.string().nullable(),
  tags: z.array(z.string()),
  metadata: jsonObjectSchema,
  accessRoles: z.array(z.string()),
  ownerId: z.string().nullable(),
  lastConnected: z.string().nullable(),
  lastError: z.string().nullable(),
  connectionCount: z.number().int(),
  errorCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** How many events its stream holds. */
  version: z.number().int(),
});
/** A data source: a deeply frozen snapshot that never changes later. */
export type CustomerDataSource = DeepReadonly<z.infer<typeof customerDataSourceSchema>>;

function hasAccess(source: CustomerDataSource, role: string): boolean {
  return source.accessRoles.length === 0 || source.accessRoles.includes(role);
}

function toDict(
  source: CustomerDataSource,
  options: { includeSecrets?: boolean } = {},
): Record<string, unknown> {
  return {
    source_id: source.sourceId,
    tenant_id: source.tenantId,
    name: source.name,
    source_type: source.sourceType,
    config: DataSourceConfig.toDict(source.config, options),
    secret_fingerprints: { ...source.secretFingerprints },
    status: source.status,
    description: source.description,
    tags: [...source.tags],
    metadata: structuredClone(source.metadata),
    access_roles: [...source.accessRoles],
    owner_id: source.ownerId,
    last_connected: source.lastConnected,
    last_error: source.lastError,
    connection_count: source.connectionCount,
    error_count: source.errorCount,
    created_at: source.createdAt,
    updated_at: source.updatedAt,
  };
}

/** The functions the Python module had as methods of CustomerDataSource. */
export const CustomerDataSource = {
  /** True when the role may use the source; an empty `accessRoles` lets everyone in. */
  hasAccess,
  /**
   * The Python module's `to_dict()` shape; secrets are `"***"` unless
   * `includeSecrets`. `secret_fingerprints` is always there: a keyed hash of
   * each secret that is set, which shows whether secrets are equal or changed,
   * never what they are.
   *
   * @throws DataSourceError SECRET_UNAVAILABLE with `includeSecrets` when the
   *   source comes from a registry opened read-only, which holds no secret.
   */
  toDict,
} as const;

/**
 * The key under which names are unique within a tenant: trimmed, Unicode NFC,
 * case-folded, so "Orders DB" and " orders db" are the same name.
 */
export function nameKey(name: string): string {
  return name.trim().normalize('NFC').toLowerCase();
}
