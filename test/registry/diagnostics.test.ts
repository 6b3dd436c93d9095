import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { tracingChannel } from 'node:diagnostics_channel';
import { inspect, promisify } from 'node:util';
import { expect, it, onTestFinished } from 'vitest';
import { type CommandMessage, DIAGNOSTICS_CHANNELS, ErrorCode } from '../../src/index.js';
import { hearDiagnostics } from '../support/diagnostics.js';
import { eventConfig, registrationWith } from '../support/plain.js';
import { eventually } from '../support/postgres.js';
import { databaseInput, failsWith, PLAINTEXT_PASSWORD } from '../support/registry-fixtures.js';
import { describeEachStore } from '../support/store-matrix.js';

const API_KEY = 'ak_live_diagnostics_SECRET';

describeEachStore('diagnostics channels', (harness) => {
  it('trace a command from its start to its end, with its outcome and duration', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());
    const heard = hearDiagnostics();

    const active = await registry.activate(sourceId, { actor: 'alice', correlationId: 'req-7' });

    expect(heard.commands.map((c) => c.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    const [start] = heard.commands;
    expect(start?.message).toEqual({
      command: 'Activate',
      sourceId,
      tenantId: 'acme',
      actor: 'alice',
      correlationId: 'req-7',
    });
    const last = heard.commands.at(-1)?.message;
    expect(last?.outcome).toEqual({
      events: 1,
      position: registry.position,
      noop: false,
      attempts: 1,
    });
    expect(last?.durationMs).toBeGreaterThanOrEqual(0);
    expect(last?.error).toBeUndefined();
    expect(active?.status).toBe('active');
  });

  it("make a subscriber's async context current for the command's listeners", async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());
    const span = new AsyncLocalStorage<string>();
    const start = tracingChannel<unknown, CommandMessage>(DIAGNOSTICS_CHANNELS.command).start;
    start.bindStore(span, (message) => `${message.command} ${message.sourceId}`);
    onTestFinished(() => {
      start.unbindStore(span);
    });
    const seen: (string | undefined)[] = [];
    registry.on('DataSourceActivated', () => {
      seen.push(span.getStore());
    });

    await registry.activate(sourceId);

    expect(seen).toEqual([`Activate ${sourceId}`]);
    expect(span.getStore()).toBeUndefined();
  });

  it('count one attempt for each of concurrent commands on one source: they queue, not race', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());
    const heard = hearDiagnostics();

    await Promise.all(Array.from({ length: 8 }, () => registry.recordConnection(sourceId)));

    const outcomes = heard.commands.filter((c) => c.event === 'asyncEnd');
    expect(outcomes.map((c) => c.message.outcome?.attempts)).toEqual(Array(8).fill(1));
    expect(registry.get(sourceId)?.connectionCount).toBe(8);
  });

  it('report a command that changed nothing as a no-op that appended nothing', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await registry.activate(sourceId);
    const heard = hearDiagnostics();

    await registry.activate(sourceId);

    expect(heard.commands.at(-1)?.message.outcome).toEqual({
      events: 0,
      position: null,
      noop: true,
      attempts: 1,
    });
    expect(heard.appends).toEqual([]);
  });

  it('name a tenant command ClearTenant or PurgeTenant, with its tenant and no source', async () => {
    const { registry } = await harness.createRegistry();
    await registry.register(databaseInput());
    const heard = hearDiagnostics();

    await registry.clearTenant('acme');
    await registry.purgeTenant('acme');

    const starts = heard.commands.filter((c) => c.event === 'start').map((c) => c.message);
    expect(starts).toEqual([
      {
        command: 'ClearTenant',
        sourceId: null,
        tenantId: 'acme',
        actor: null,
        correlationId: null,
      },
      {
        command: 'PurgeTenant',
        sourceId: null,
        tenantId: 'acme',
        actor: null,
        correlationId: null,
      },
    ]);
  });

  it('report a refused command on the error channel with its code, and no append', async () => {
    const { registry } = await harness.createRegistry();
    const { sourceId } = await registry.register(databaseInput());
    await registry.deprecate(sourceId);
    const heard = hearDiagnostics();

    await failsWith(() => registry.activate(sourceId), ErrorCode.INVALID_TRANSITION);

    expect(heard.commands.map((c) => c.event)).toEqual([
      'start',
      'end',
      'error',
      'asyncStart',
      'asyncEnd',
    ]);
    const error = heard.commands.find((c) => c.event === 'error')?.message;
    expect(error?.errorCode).toBe(ErrorCode.INVALID_TRANSITION);
    expect(error?.error).toBeInstanceOf(Error);
    expect(error?.durationMs).toBeGreaterThanOrEqual(0);
    expect(error?.outcome).toBeUndefined();
    expect(heard.appends).toEqual([]);
  });

  it('report each write of the store with its commands, events and duration', async () => {
    const { registry } = await harness.createRegistry();
    const heard = hearDiagnostics();

    await registry.register(databaseInput());

    expect(heard.appends).toEqual([
      {
        store: harness.kind,
        commands: 1,
        events: 1,
        refused: 0,
        errorCode: null,
        failed: false,
        durationMs: expect.any(Number),
      },
    ]);
  });

  it('count every command of concurrent ones in the writes that took them', async () => {
    const { registry } = await harness.createRegistry();
    const heard = hearDiagnostics();

    await Promise.all(
      Array.from({ length: 10 }, (_, i) => registry.register(databaseInput({ name: `db-${i}` }))),
    );

    const writes = heard.appends;
    expect(writes.reduce((sum, write) => sum + write.commands, 0)).toBe(10);
    expect(writes.reduce((sum, write) => sum + write.events, 0)).toBe(10);
    // A durable store writes commands in flight together: fewer writes than commands.
    if (harness.durable) expect(writes.length).toBeLessThan(10);
    else expect(writes.every((write) => write.commands === 1)).toBe(true);
  });

  it('report a write the store refused with the code of its refusal', async () => {
    const { store } = await harness.createRegistry();
    const request = { events: [registrationWith(eventConfig())], expectedVersions: { s1: 0 } };
    await store.append(request);
    const heard = hearDiagnostics();

    await expect(store.append(request)).rejects.toMatchObject({
      code: ErrorCode.CONCURRENCY_CONFLICT,
    });

    expect(heard.appends).toEqual([
      {
        store: harness.kind,
        commands: 1,
        events: 1,
        refused: 1,
        errorCode: ErrorCode.CONCURRENCY_CONFLICT,
        failed: false,
        durationMs: expect.any(Number),
      },
    ]);
  });

  it('report the reads that catch a registry up with what another one appended', async () => {
    const { registry, reopen } = await harness.createRegistry();
    await registry.register(databaseInput({ name: 'first' }));
    const other = await reopen();
    const heard = hearDiagnostics();

    await other.register(databaseInput({ name: 'second' }));
    await registry.refresh();

    const read = await eventually(
      async () => heard.catchUps.find((message) => message.from === 1 && message.to === 2),
      'a catch-up from position 1 to 2',
    );
    expect(read).toEqual({
      store: harness.kind,
      from: 1,
      to: 2,
      events: 1,
      errorCode: null,
      durationMs: expect.any(Number),
    });
  });

  it("leave a command's own events to the command, not to a catch-up read", async () => {
    const { registry } = await harness.createRegistry();
    const heard = hearDiagnostics();

    const { sourceId } = await registry.register(databaseInput());
    for (let i = 0; i < 20; i++) await registry.recordConnection(sourceId);

    expect(heard.appends).toHaveLength(21);
    expect(heard.catchUps.filter((read) => read.events > 0)).toEqual([]);
  });

  it('carry no secret in any message', async () => {
    const { registry, reopen } = await harness.createRegistry();
    const heard = hearDiagnostics();
    const other = await reopen();

    const source = await registry.register(
      databaseInput({ config: { password: PLAINTEXT_PASSWORD, apiKey: API_KEY } }),
    );
    await registry.updateConfig(source.sourceId, { password: `${PLAINTEXT_PASSWORD}-2` });
    await failsWith(
      () => registry.register(databaseInput({ config: { password: PLAINTEXT_PASSWORD } })),
      ErrorCode.DUPLICATE_NAME,
    );
    await other.refresh();
    await registry.clearTenant('acme');

    expect(heard.commands.length).toBeGreaterThan(0);
    expect(heard.appends.length).toBeGreaterThan(0);
    expect(heard.catchUps.length).toBeGreaterThan(0);
    for (const printed of [JSON.stringify(heard), inspect(heard, { depth: null })]) {
      expect(printed).not.toContain(PLAINTEXT_PASSWORD);
      expect(printed).not.toContain(API_KEY);
    }
  });
});

it('runs a command to its end when a subscriber throws, and Node reports the throw as uncaught', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'test/fixtures/throwing-diagnostics-subscriber.ts'],
    { cwd: new URL('../..', import.meta.url) },
  );

  expect(JSON.parse(stdout)).toEqual({
    status: 'active',
    position: 2,
    uncaught: expect.arrayContaining(['subscriber failed: start', 'subscriber failed: append']),
  });
});
