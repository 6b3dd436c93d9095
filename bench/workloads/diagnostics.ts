import { channel, tracingChannel } from 'node:diagnostics_channel';
import {
  type AppendMessage,
  type CommandMessage,
  type DataSourceRegistry,
  DIAGNOSTICS_CHANNELS,
} from '../../src/index.js';
import { CommandMix, type CommandOp, runCommand } from '../command-mix.js';
import { generateLog } from '../events.js';
import { median, timeOnce } from '../measure.js';
import type { Row } from '../report.js';
import { registryOn } from '../seed.js';
import type { BenchContext, Workload } from '../workload.js';

async function sequentially(registry: DataSourceRegistry, ops: readonly CommandOp[]) {
  for (const op of ops) await runCommand(registry, op);
}

/**
 * What a service would subscribe: commands counted by outcome and their
 * durations summed, writes counted. Returns how to unsubscribe.
 */
function subscribeMetrics(): () => void {
  const counts = new Map<string, number>();
  let totalMs = 0;
  let writes = 0;
  const onCommand = (heard: unknown) => {
    const message = heard as CommandMessage;
    const key = message.errorCode ?? 'ok';
    counts.set(key, (counts.get(key) ?? 0) + 1);
    totalMs += message.durationMs ?? 0;
  };
  const onAppend = (message: unknown) => {
    writes += (message as AppendMessage).commands;
  };
  const commands = tracingChannel<unknown, CommandMessage>(DIAGNOSTICS_CHANNELS.command);
  commands.asyncEnd.subscribe(onCommand);
  channel(DIAGNOSTICS_CHANNELS.append).subscribe(onAppend);
  return () => {
    commands.asyncEnd.unsubscribe(onCommand);
    channel(DIAGNOSTICS_CHANNELS.append).unsubscribe(onAppend);
    if (counts.size === 0 || totalMs < 0 || writes === 0)
      throw new Error('diagnostics: heard nothing');
  };
}

async function run(context: BenchContext): Promise<Row[]> {
  const sources = context.quick ? 1_000 : 10_000;
  const perRun = context.quick ? 5_000 : 20_000;
  const runs = context.quick ? 3 : 5;
  context.progress(`diagnostics: preparing ${sources.toLocaleString('en-US')} existing sources`);
  const log = generateLog({ sources, tenants: Math.max(1, sources / 100), eventsPerSource: 1 });
  const registry = await registryOn(log.events);
  const mix = new CommandMix(log.liveSourceIds, log.tenantIds);

  context.progress('diagnostics: warming up');
  await sequentially(registry, mix.next(perRun));
  const warm = subscribeMetrics();
  await sequentially(registry, mix.next(perRun));
  warm();

  const rate = (ms: number) => (perRun * 1000) / ms;
  const quiet: number[] = [];
  const heard: number[] = [];
  // In turns, so a change in the machine's load reaches both.
  for (let r = 0; r < runs; r++) {
    context.progress(`diagnostics: run ${r + 1} of ${runs}`);
    const unheard = mix.next(perRun);
    quiet.push(rate(await timeOnce(() => sequentially(registry, unheard))));
    const ops = mix.next(perRun);
    const unsubscribe = subscribeMetrics();
    heard.push(rate(await timeOnce(() => sequentially(registry, ops))));
    unsubscribe();
  }
  await registry.close();

  // The check a command makes when nobody listens, alone.
  const commands = tracingChannel(DIAGNOSTICS_CHANNELS.command);
  const appends = channel(DIAGNOSTICS_CHANNELS.append);
  const checks = 10_000_000;
  let seen = 0;
  const checkMs = await timeOnce(() => {
    for (let i = 0; i < checks; i++) {
      if (
        commands.start.hasSubscribers ||
        commands.end.hasSubscribers ||
        commands.asyncStart.hasSubscribers ||
        commands.asyncEnd.hasSubscribers ||
        commands.error.hasSubscribers ||
        appends.hasSubscribers
      )
        seen++;
    }
  });
  if (seen !== 0) throw new Error('diagnostics: a subscriber was left behind');

  const size = `${sources.toLocaleString('en-US')} existing sources`;
  return [
    {
      workload: 'diagnostics',
      measure: `sequential commands, a metrics subscriber on the command and append channels, ${size}`,
      value: median(heard),
      unit: 'ops/s',
      baseline: { label: 'the same, nobody subscribed', value: median(quiet) },
      verdict: 'info',
    },
    {
      workload: 'diagnostics',
      measure: 'the checks a command makes when nobody subscribes, alone',
      value: (checkMs * 1000) / checks,
      unit: 'µs/op',
      verdict: 'info',
    },
  ];
}

export const diagnosticsWorkload: Workload = {
  name: 'diagnostics',
  description:
    'in-memory commands with and without a subscriber on the diagnostics channels, and the cost of the unsubscribed check',
  run,
};
