import type { CustomerDataSource } from '../domain/data-source.js';
import type { DataSourceEvent } from '../domain/events.js';
import type { DataSourceStats } from '../projections/statistics.js';
import type { ListenerName, RegistryListeners } from './event-bus.js';
import type { ListFilter } from './options.js';
import type { SnapshotInfo } from './snapshots.js';
import type { SubscribeOptions, Subscription } from './subscriptions.js';
import type { TenantHandle, TenantHandleOptions } from './tenant-handle-api.js';
import type { RegistryAt } from './time-travel.js';

/**
 * What a registry answers and whom it tells: queries of its projections,
 * listeners, subscriptions, history, time travel, snapshots, and its
 * lifecycle. Implemented by `DataSourceRegistry`.
 */
export interface RegistryReads {
  /**
   * The position up to which the log is applied to the projections: every
   * event at or below it shows in them. On PostgreSQL a command's own events
   * may show before the log below them can be read (another writer's older
   * append still open); the position reaches them once it can.
   */
  readonly position: number;

  /**
   * The live source with this id, or null.
   *
   * @throws DataSourceError FORBIDDEN after `close()`.
   */
  get(sourceId: string): CustomerDataSource | null;

  /**
   * The live source of this tenant with this name (trimmed, NFC, any case), or null.
   *
   * @throws DataSourceError FORBIDDEN after `close()`.
   */
  getByName(tenantId: string, name: string): CustomerDataSource | null;

  /**
   * Live sources, sorted by name then id; 100 at most unless `limit` says otherwise.
   *
   * @throws DataSourceError INVALID_INPUT for a bad filter; FORBIDDEN after `close()`.
   */
  list(filter?: ListFilter): readonly CustomerDataSource[];

  /**
   * How many live sources match the filter (paging ignored).
   *
   * @throws DataSourceError INVALID_INPUT for a bad filter; FORBIDDEN after `close()`.
   */
  count(filter?: ListFilter): number;

  /**
   * Statistics of one tenant, or of all tenants.
   *
   * @throws DataSourceError FORBIDDEN after `close()`.
   */
  getStatistics(tenantId?: string): DataSourceStats;

  /**
   * The registry as one tenant sees it, acting as `options.actor` and, with
   * `options.roles`, seeing only the sources those roles may use.
   * @throws DataSourceError INVALID_INPUT for a bad tenant id, actor or roles;
   *   FORBIDDEN after `close()`.
   */
  forTenant(tenantId: string, options?: TenantHandleOptions): TenantHandle;

  /**
   * Listens to committed events of one type, or all with '*'. Listeners run
   * after the events are committed and applied (queries already show them),
   * in log order, synchronously: a command resolves after its listeners were
   * called. Events come with secrets shown as "***". A listener that throws or
   * rejects fails neither the command nor the other listeners: its error goes
   * to the 'listenerError' listeners, or, when there are none or one of them
   * fails too, to `process.emitWarning` (code 'DATASOURCE_REGISTRY_LISTENER').
   * 'followError' hears reads of the log that failed in the background (each
   * is retried with a growing pause), 'snapshotError' snapshots that could
   * not be written in the background (the registry carries on).
   *
   * @throws DataSourceError INVALID_INPUT for an unknown name (the message
   *   lists the valid ones) or a listener that is not a function; FORBIDDEN
   *   after `close()`.
   */
  on<K extends ListenerName>(name: K, listener: RegistryListeners[K]): this;

  /** Removes a listener, or every listener of the name when none is given. Never throws. */
  off<K extends ListenerName>(name: K, listener?: RegistryListeners[K]): this;

  /**
   * Hands every event of the log to `options.handler`, in log order, at least
   * once, and keeps how far it got in the store under `options.name`, so a
   * subscription of that name resumes there, in this process or after a
   * restart. Returns at once; see docs/subscriptions.md. A read-only
   * registry subscribes too: a checkpoint is no command.
   *
   * @throws DataSourceError INVALID_INPUT for bad options or a name already
   *   running in this registry; FORBIDDEN after `close()`, or when the store
   *   keeps no checkpoints.
   */
  subscribe(options: SubscribeOptions): Subscription;

  /**
   * Saves the registry's state (every stream, deleted ones included, at
   * `registry.position`) to the store, in place of the snapshot it kept, so
   * the next `open()` replays only the events after it. Secrets are sealed
   * under their tenant's data key, as in the events. It runs beside the commands, never blocking
   * one; see docs/snapshots.md.
   *
   * @throws DataSourceError FORBIDDEN after `close()`, when read-only, or
   *   when the store keeps no snapshots; SECRET_UNAVAILABLE when a secret
   *   would be written without a key; STORE_ERROR when the store fails.
   */
  snapshot(): Promise<SnapshotInfo>;

  /**
   * Every event of one source's stream, deleted sources included; secrets shown as "***".
   *
   * @throws DataSourceError INVALID_INPUT for a bad id; FORBIDDEN after
   *   `close()`; STORE_ERROR or CORRUPT_LOG when the stream cannot be read.
   */
  history(sourceId: string): Promise<readonly DataSourceEvent[]>;

  /**
   * The registry as it was at a position of its log, or at a moment: the
   * same queries, answered from the log folded up to there, frozen. At a
   * Date: after every event before the first one that occurred later, in
   * log order. See docs/time-travel.md.
   *
   * @throws DataSourceError INVALID_INPUT for anything but an integer ≥ 0 or
   *   a valid Date, and for a position beyond the head of the log; FORBIDDEN
   *   after `close()`; STORE_ERROR, CORRUPT_LOG or SECRET_UNAVAILABLE when
   *   the log cannot be read.
   */
  at(moment: number | Date): Promise<RegistryAt>;

  /**
   * Resolves once the registry has applied every event the store held when it was
   * called, whoever appended them: after it, queries answer from at least that
   * point of the log. Rejects with the read's error (STORE_ERROR …) when the
   * log cannot be read.
   */
  refresh(): Promise<void>;

  /**
   * Stops accepting commands, lets every command already accepted finish
   * (resolve or reject as it would have), then stops following the log and
   * closes the store. Afterwards commands, queries and `on()` fail with
   * FORBIDDEN. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}
