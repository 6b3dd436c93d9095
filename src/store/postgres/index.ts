/**
 * The PostgreSQL event store, for several service instances sharing one log.
 * Loaded only through this entry point, so services that use another store
 * need not install `pg`.
 */
export type { PostgresEventStore, PostgresEventStoreOptions } from './store.js';
export { createPostgresEventStore } from './store.js';
