/**
 * The public API of the data-source registry. The SQLite and PostgreSQL
 * stores are the `./sqlite` and `./postgres` subpaths, so their drivers load
 * only when used.
 */
export {
  type ExportLogOptions,
  type ExportProgress,
  type ExportResult,
  exportLog,
} from './audit/export-log.js';
export {
  type ImportLogOptions,
  type ImportProgress,
  type ImportResult,
  importLog,
} from './audit/import-log.js';
export {
  type VerifyLogOptions,
  type VerifyProgress,
  type VerifyResult,
  verifyLog,
} from './audit/verify-log.js';
export type {
  CommandContext,
  RegisterInput,
  UpdateInput,
} from './domain/commands.js';
export { DataSourceConfig, type DataSourceConfigInput } from './domain/config.js';
export { CustomerDataSource } from './domain/data-source.js';
export {
  type DataSourceCommandMetadata,
  type DataSourceDecider,
  type DataSourceDeciderCommand,
  type DataSourceDeciderEvent,
  type DataSourceEventOrigin,
  dataSourceDecider,
} from './domain/decider.js';
export type { DeepReadonly } from './domain/deep-readonly.js';
export { DataSourceStatus, DataSourceType } from './domain/enums.js';
export {
  type AnyDataSourceError,
  type ClaimConflictDetails,
  type DataKeyConflictDetails,
  DataSourceError,
  type DataSourceErrorOptions,
  ErrorCode,
  type ErrorDetails,
  type ErrorDetailsByCode,
  type InputIssue,
  type OpenDetails,
  type TenantConflictDetails,
  type VersionConflictDetails,
} from './domain/errors.js';
export {
  CURRENT_SCHEMA_VERSION,
  type DataSourceEvent,
  type EventData,
  type EventDraft,
  type EventEnvelope,
  type EventMetadata,
  type EventOfType,
  EventType,
} from './domain/events.js';
export type { JsonObject, JsonValue } from './domain/json.js';
export { LIMITS } from './domain/limits.js';
export { PURGED_SECRET, SECRET_MASK } from './domain/secrets.js';
export type { SourceStream } from './domain/stream.js';
export type { CatchUpMessage } from './follow/catch-up-diagnostics.js';
export { DataSourceStats } from './projections/statistics.js';
export {
  type CommandMessage,
  type CommandOutcome,
  DIAGNOSTICS_CHANNELS,
} from './registry/diagnostics.js';
export type {
  FollowError,
  ListenerError,
  RegistryListeners,
  SubscriptionError,
} from './registry/event-bus.js';
export type { DataSourceRegistryOptions, ListFilter } from './registry/options.js';
export type { RegistryCommands } from './registry/registry-commands.js';
export type { RegistryReads } from './registry/registry-reads.js';
export {
  createDatasource,
  getDatasource,
  getDatasourceRegistry,
  listDatasources,
  resetDatasourceRegistry,
} from './registry/singleton.js';
export type {
  SnapshotError,
  SnapshotIgnoredReason,
  SnapshotInfo,
  SnapshotMessage,
} from './registry/snapshots.js';
export type { SourceQueries } from './registry/source-queries.js';
export type {
  SubscribeOptions,
  Subscription,
  SubscriptionStart,
  SubscriptionStatus,
} from './registry/subscriptions.js';
export type {
  TenantHandle,
  TenantHandleOptions,
  TenantListFilter,
  TenantRegisterInput,
} from './registry/tenant-handle-api.js';
export type { RegistryAt } from './registry/time-travel.js';
export { DataSourceRegistry } from './registry.js';
export type { AppendMessage } from './store/append-diagnostics.js';
export type { DataKeyRecord, NewDataKey, Rewrap } from './store/data-keys.js';
export type {
  AppendListener,
  AppendOutcome,
  AppendRequest,
  CompleteEventStore,
  EventStore,
  PendingEvent,
  ReadAllOptions,
  StoredEvent,
  StoredSnapshot,
  TenantGuard,
  UniqueClaim,
} from './store/event-store.js';
export { createMemoryEventStore, type MemoryEventStore } from './store/memory-store.js';
