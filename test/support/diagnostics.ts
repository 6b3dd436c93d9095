import { channel, tracingChannel } from 'node:diagnostics_channel';
import { onTestFinished } from 'vitest';
import {
  type AppendMessage,
  type CatchUpMessage,
  type CommandMessage,
  DIAGNOSTICS_CHANNELS,
} from '../../src/index.js';

/** What a subscriber to every diagnostics channel heard, in order. */
export interface Heard {
  /** Each event of the command tracing channel with a copy of its message as it was then. */
  readonly commands: { readonly event: string; readonly message: CommandMessage }[];
  readonly appends: AppendMessage[];
  readonly catchUps: CatchUpMessage[];
}

/**
 * Subscribes to every channel the registry publishes on until the end of the
 * test. Channels are global to the process, so a test reads only what it
 * subscribed to while it ran.
 */
export function hearDiagnostics(): Heard {
  const heard: Heard = { commands: [], appends: [], catchUps: [] };
  const record = (event: string) => (message: CommandMessage) => {
    heard.commands.push({ event, message: { ...message } });
  };
  const handlers = {
    start: record('start'),
    end: record('end'),
    asyncStart: record('asyncStart'),
    asyncEnd: record('asyncEnd'),
    error: record('error'),
  };
  const onAppend = (message: unknown) => {
    heard.appends.push(message as AppendMessage);
  };
  const onCatchUp = (message: unknown) => {
    heard.catchUps.push(message as CatchUpMessage);
  };
  const commands = tracingChannel<unknown, CommandMessage>(DIAGNOSTICS_CHANNELS.command);
  commands.subscribe(handlers);
  channel(DIAGNOSTICS_CHANNELS.append).subscribe(onAppend);
  channel(DIAGNOSTICS_CHANNELS.catchUp).subscribe(onCatchUp);
  onTestFinished(() => {
    commands.unsubscribe(handlers);
    channel(DIAGNOSTICS_CHANNELS.append).unsubscribe(onAppend);
    channel(DIAGNOSTICS_CHANNELS.catchUp).unsubscribe(onCatchUp);
  });
  return heard;
}
