import { z } from 'zod';

/** The kinds of data source the registry keeps. */
export const DataSourceType = {
  DATABASE: 'database',
  DOCUMENT: 'document',
  FILE: 'file',
  VECTOR: 'vector',
  API: 'api',
  STREAM: 'stream',
  CUSTOM: 'custom',
} as const;
/** One of {@link DataSourceType}'s values. */
export type DataSourceType = (typeof DataSourceType)[keyof typeof DataSourceType];

/** The lifecycle status of a data source; docs/events.md gives the transitions. */
export const DataSourceStatus = {
  PENDING: 'pending',
  CONFIGURING: 'configuring',
  ACTIVE: 'active',
  INACTIVE: 'inactive',
  ERROR: 'error',
  DEPRECATED: 'deprecated',
} as const;
/** One of {@link DataSourceStatus}'s values. */
export type DataSourceStatus = (typeof DataSourceStatus)[keyof typeof DataSourceStatus];

export const dataSourceTypeSchema = z.enum(DataSourceType);
export const dataSourceStatusSchema = z.enum(DataSourceStatus);

export const DATA_SOURCE_TYPES: readonly DataSourceType[] = Object.values(DataSourceType);
export const DATA_SOURCE_STATUSES: readonly DataSourceStatus[] = Object.values(DataSourceStatus);
