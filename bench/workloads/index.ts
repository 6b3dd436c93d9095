import type { Workload } from '../workload.js';
import { auditWorkload } from './audit.js';
import { commandsWorkload } from './commands.js';
import { diagnosticsWorkload } from './diagnostics.js';
import { groupCommitWorkload } from './group-commit.js';
import { memoryWorkload } from './memory.js';
import { peersWorkload } from './peers.js';
import { postgresCommandsWorkload } from './postgres-commands.js';
import { queriesWorkload } from './queries.js';
import { replayWorkload } from './replay.js';
import { secretsWorkload } from './secrets.js';
import { sqliteCommandsWorkload } from './sqlite-commands.js';
import { sqliteReplayWorkload } from './sqlite-replay.js';
import { subscriptionsWorkload } from './subscriptions.js';
import { verifyWorkload } from './verify.js';

/**
 * Every workload `npm run bench` knows, in the order a full run takes them.
 * A new workload is one module in this folder plus one entry here.
 */
export const WORKLOADS: readonly Workload[] = [
  replayWorkload,
  commandsWorkload,
  queriesWorkload,
  memoryWorkload,
  sqliteCommandsWorkload,
  postgresCommandsWorkload,
  peersWorkload,
  groupCommitWorkload,
  sqliteReplayWorkload,
  subscriptionsWorkload,
  auditWorkload,
  verifyWorkload,
  diagnosticsWorkload,
  secretsWorkload,
];
