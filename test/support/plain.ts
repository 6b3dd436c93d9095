import { DataSourceConfig, type DataSourceConfigInput } from '../../src/domain/config.js';

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
