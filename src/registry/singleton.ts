import type { DataSourceConfig, DataSourceConfigInput } from '../domain/config.js';
import type { CustomerDataSource } from '../domain/data-source.js';
import type { DataSourceType } from '../domain/enums.js';
import { DataSourceRegistry } from '../registry.js';

// The Python module kept one registry per process; these helpers keep that shape.
let registry: DataSourceRegistry | null = null;

/** The process-wide in-memory registry, made on first use. */
export function getDatasourceRegistry(): DataSourceRegistry {
  registry ??= new DataSourceRegistry();
  return registry;
}

/** Drops the process-wide registry; the next call to getDatasourceRegistry makes a new one. */
export function resetDatasourceRegistry(): void {
  registry = null;
}

/**
 * Registers a source on the process-wide registry.
 *
 * @throws DataSourceError as `DataSourceRegistry.register`.
 */
export function createDatasource(
  tenantId: string,
  name: string,
  sourceType: DataSourceType,
  config?: DataSourceConfig | DataSourceConfigInput,
): Promise<CustomerDataSource> {
  return getDatasourceRegistry().register({ tenantId, name, sourceType, config });
}

/** A live source of the process-wide registry, or null. */
export function getDatasource(sourceId: string): CustomerDataSource | null {
  return getDatasourceRegistry().get(sourceId);
}

/**
 * Live sources of the process-wide registry, optionally of one tenant and type.
 *
 * @throws DataSourceError INVALID_INPUT for a bad tenant id or type.
 */
export function listDatasources(
  tenantId?: string,
  sourceType?: DataSourceType,
): readonly CustomerDataSource[] {
  return getDatasourceRegistry().list({ tenantId, sourceType });
}
