import { type DataSourceConfig, parseConfig } from '../src/domain/config.js';
import type { DataSourceType } from '../src/domain/enums.js';
import type { DataSourceConfigInput, DataSourceRegistry } from '../src/index.js';

/** One command of the mix, with its arguments as a caller would pass them. */
export type CommandOp =
  | {
      kind: 'register';
      tenantId: string;
      name: string;
      sourceType: DataSourceType;
      config: DataSourceConfigInput;
      /** The same config validated, for the baseline, which must not pay for validation. */
      parsed: DataSourceConfig;
      /** The id the baseline gives the new source; the registry makes its own. */
      baselineId: string;
    }
  | { kind: 'activate' | 'recordConnection'; sourceId: string }
  | { kind: 'addTag'; sourceId: string; tag: string }
  | { kind: 'recordError'; sourceId: string; message: string }
  | {
      kind: 'updateConfig';
      sourceId: string;
      config: DataSourceConfigInput;
      parsed: DataSourceConfig;
    };

/**
 * What each existing source goes through, visit after visit, as a cycle.
 * Every command changes something (no no-op is counted as a command): each
 * activate follows an error or a config change, or meets a pending source.
 */
const CYCLE = [
  'recordConnection',
  'recordError',
  'activate',
  'addTag',
  'recordConnection',
  'updateConfig',
  'activate',
  'recordConnection',
  'addTag',
] as const;

/**
 * A deterministic stream of commands over existing sources: one in ten
 * registers a new source, the rest visit the existing ones in turn, so
 * commands close together in the stream touch distinct sources.
 */
export class CommandMix {
  #count = 0;
  #visits = 0;

  constructor(
    private readonly targets: readonly string[],
    private readonly tenants: readonly string[],
  ) {}

  next(n: number): CommandOp[] {
    const ops: CommandOp[] = [];
    for (let i = 0; i < n; i++) ops.push(this.#one());
    return ops;
  }

  #one(): CommandOp {
    const c = this.#count++;
    if (c % 10 === 9) {
      const config = { host: `new-${c}.internal.example`, port: 5432, username: 'svc' };
      return {
        kind: 'register',
        tenantId: this.tenants[c % this.tenants.length] as string,
        name: `bench-new-${c}`,
        sourceType: 'database',
        config,
        parsed: parseConfig(config),
        baselineId: `bench-new-${c}`,
      };
    }
    const v = this.#visits++;
    const at = v % this.targets.length;
    const round = Math.floor(v / this.targets.length);
    const sourceId = this.targets[at] as string;
    const kind = CYCLE[(at + round) % CYCLE.length] as (typeof CYCLE)[number];
    switch (kind) {
      case 'addTag':
        return { kind, sourceId, tag: `t-${c}` };
      case 'recordError':
        return { kind, sourceId, message: `timeout after 30 s (${c})` };
      case 'updateConfig': {
        const config = { host: `db-${at}.internal.example`, port: 5432, database: `db_${c}` };
        return { kind, sourceId, config, parsed: parseConfig(config) };
      }
      default:
        return { kind, sourceId };
    }
  }
}

/** One command of the mix, through the registry's public API. */
export function runCommand(registry: DataSourceRegistry, op: CommandOp): Promise<unknown> {
  switch (op.kind) {
    case 'register':
      return registry.register({
        tenantId: op.tenantId,
        name: op.name,
        sourceType: op.sourceType,
        config: op.config,
      });
    case 'activate':
      return registry.activate(op.sourceId);
    case 'recordConnection':
      return registry.recordConnection(op.sourceId);
    case 'addTag':
      return registry.addTag(op.sourceId, op.tag);
    case 'recordError':
      return registry.recordError(op.sourceId, op.message);
    case 'updateConfig':
      return registry.updateConfig(op.sourceId, op.config);
  }
}

/** Runs the ops with at most `inFlight` of them awaiting at once. */
export async function runBounded(
  registry: DataSourceRegistry,
  ops: readonly CommandOp[],
  inFlight: number,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < ops.length) await runCommand(registry, ops[next++] as CommandOp);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, ops.length) }, worker));
}
