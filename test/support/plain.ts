import { DataSourceConfig, type DataSourceConfigInput } from '../../src/domain/config.js';
import type { PendingEvent } from '../../src/store/event-store.js';

/**
 * JSON of a value with every secret in it as it is. Configs handed out print
 * their secrets as "***", so a byte-for-byte comparison of states goes
 * through a plain copy, or two states differing only in a password would
 * look the same.
 */
export function plainJson(value: unknown): string {
  return JSON.stringify(structuredClone(value));
}

/** A config as events carry it: plain values, which a store writes as they are. */
export function eventConfig(input: DataSourceConfigInput = {}): DataSourceConfig {
  return structuredClone(DataSourceConfig.create(input));
}

/**
 * The registration of source `s1` in tenant `t1`, as a store is handed it,
 * whose config is exactly `config` (sealed values, plaintext or anything a
 * test needs to put there).
 */
export function registrationWith(config: unknown): PendingEvent {
  return {
    eventId: 'e-s1-1',
    type: 'DataSourceRegistered',
    schemaVersion: 1,
    sourceId: 's1',
    tenantId: 't1',
    streamVersion: 1,
    occurredAt: '2024-05-01T12:00:00.000Z',
    data: {
      name: 'Orders',
      sourceType: 'database',
      config,
      description: null,
      tags: [],
      metadata: {},
      accessRoles: [],
      ownerId: null,
    },
    metadata: {},
  };
}
