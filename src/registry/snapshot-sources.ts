import type { z } from 'zod';
import type { dataSourceConfigSchema } from '../domain/config.js';
import { type CustomerDataSource, customerDataSourceSchema } from '../domain/data-source.js';
import { DataSourceError, ErrorCode } from '../domain/errors.js';
import { deepFreeze } from '../domain/freeze.js';
import { maskWhenPrinted } from '../domain/secret-display.js';
import type { SnapshotSecretsReader } from '../security/snapshot-secret-bundles.js';

type Source = z.output<typeof customerDataSourceSchema>;
type Config = z.output<typeof dataSourceConfigSchema>;

/** The fields of a source a snapshot holds in columns: its id and version are its stream's. */
export type ColumnField = Exclude<keyof Source, 'sourceId' | 'version' | 'config'>;

/** A column of each field of a source, of its config, one value per live source, in stream order. */
export interface SourceColumns {
  readonly sources: Readonly<Record<ColumnField, readonly unknown[]>>;
  readonly configs: Readonly<Record<keyof Config, readonly unknown[]>>;
}

/**
 * The config at `at` of the columns. Written out key by key, in its schema's
 * order (a state restored equal to a replay's has its keys in that order),
 * rather than in a loop over the keys: V8 then makes every config with its
 * final shape at once, which measured about twice as fast as adding 16 keys
 * one at a time. The type makes leaving a key out a compile error.
 */
function configAt(columns: SourceColumns['configs'], at: number): Record<keyof Config, unknown> {
  return {
    connectionString: columns.connectionString[at],
    host: columns.host[at],
    port: columns.port[at],
    username: columns.username[at],
    password: columns.password[at],
    database: columns.database[at],
    authType: columns.authType[at],
    apiKey: columns.apiKey[at],
    oauthConfig: columns.oauthConfig[at],
    poolSize: columns.poolSize[at],
    poolTimeout: columns.poolTimeout[at],
    maxRetries: columns.maxRetries[at],
    sslEnabled: columns.sslEnabled[at],
    sslVerify: columns.sslVerify[at],
    sslCertPath: columns.sslCertPath[at],
    options: columns.options[at],
  };
}

/** The source at `at` of the columns, likewise written out in its schema's order. */
function sourceAt(
  columns: SourceColumns['sources'],
  at: number,
  sourceId: string,
  version: number,
  config: Record<keyof Config, unknown>,
): Record<keyof Source, unknown> {
  return {
    sourceId,
    tenantId: columns.tenantId[at],
    name: columns.name[at],
    sourceType: columns.sourceType[at],
    config,
    secretFingerprints: columns.secretFingerprints[at],
    status: columns.status[at],
    description: columns.description[at],
    tags: columns.tags[at],
    metadata: columns.metadata[at],
    accessRoles: columns.accessRoles[at],
    ownerId: columns.ownerId[at],
    lastConnected: columns.lastConnected[at],
    lastError: columns.lastError[at],
    connectionCount: columns.connectionCount[at],
    errorCount: columns.errorCount[at],
    createdAt: columns.createdAt[at],
    updatedAt: columns.updatedAt[at],
    version,
  };
}

/**
 * The source of stream `sourceId` at `version`, from the values at `at` of
 * the columns: its secrets taken from their tenant's bundle, checked against
 * the schema unless `authenticated`, frozen as the fold freezes a source,
 * its config masking its secrets when printed.
 *
 * @throws DataSourceError CORRUPT_LOG when it does not pass the schema or a
 *   secret is not where its config says (see SnapshotSecretsReader).
 */
export function sourceOfColumns(
  columns: SourceColumns,
  at: number,
  sourceId: string,
  version: number,
  secrets: SnapshotSecretsReader,
  authenticated: boolean,
): CustomerDataSource {
  const config = configAt(columns.configs, at);
  const fields = sourceAt(columns.sources, at, sourceId, version, config);
  secrets.config(config, String(fields.tenantId), sourceId);
  // Bytes whose tag checks out were written from sources the fold had made,
  // each of which passed the schema then: checking them again would find nothing.
  const parsed = authenticated
    ? { success: true as const, data: fields as Source }
    : customerDataSourceSchema.safeParse(fields);
  if (!parsed.success) {
    throw new DataSourceError(
      `The snapshot cannot be used: the source of stream ${sourceId} is not valid: ${parsed.error.message}`,
      { code: ErrorCode.CORRUPT_LOG },
    );
  }
  // A fresh object either way (zod's output, or the one made from the values):
  // made into what the fold makes, a frozen source whose config masks its
  // secrets when printed.
  const source = parsed.data;
  source.config = maskWhenPrinted(source.config);
  Object.freeze(source.tags);
  Object.freeze(source.accessRoles);
  Object.freeze(source.secretFingerprints);
  deepFreeze(source.metadata);
  return Object.freeze(source);
}

/** The code that makes sources of columns, as text: part of the snapshot format. */
export const SNAPSHOT_SOURCES_CODE: readonly string[] = [configAt, sourceAt, sourceOfColumns].map(
  String,
);
