import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import {
  type DataSourceEvent,
  DataSourceRegistry,
  ErrorCode,
  type EventStore,
} from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { barrier, firstAppendWaitsFor } from '../support/barrier.js';
import { plainJson } from '../support/plain.js';
import {
  adminQuery,
  describeWithPostgres,
  eventually,
  testSchemas,
  uniqueName,
  withApplicationName,
} from '../support/postgres.js';

const key = randomBytes(32);
const PASSWORD = 'pg-plaintext-password-4711';
const API_KEY = 'pg-plaintext-api-key-0815';

describeWithPostgres('registries sharing one PostgreSQL log', (url) => {
  const schemas = testSchemas(url);
  const opened: DataSourceRegistry[] = [];

  afterEach(async () => {
    for (const registry of opened.splice(0)) await registry.close();
    await schemas.dropAll();
  });

  /** A registry on the schema; with `meet`, its first append waits for that. */
  async function instance(
    schema: string,
    applicationName = uniqueName('dsreg'),
    meet?: () => Promise<void>,
  ) {
    const store: EventStore = createPostgresEventStore({
      connectionString: withApplicationName(url, applicationName),
      schema,
      pollIntervalMs: 200,
    });
    const registry = await DataSourceRegistry.open({
      store: meet ? firstAppendWaitsFor(store, meet) : store,
      encryptionKey: key,
    });
    opened.push(registry);
    return registry;
  }

  it('follow each other’s writes through LISTEN/NOTIFY without being asked', async () => {
    const schema = schemas.next();
    const writer = await instance(schema);
    const reader = await instance(schema);
    const heard = new Promise<DataSourceEvent>((resolve) => reader.on('*', resolve));

    const source = await writer.register({ tenantId: 'acme', name: 'Orders', sourceType: 'api' });

    expect((await heard).sourceId).toBe(source.sourceId);
    expect(reader.get(source.sourceId)?.name).toBe('Orders');
  });

  it('land every command when several instances race on one source', async () => {
    const schema = schemas.next();
    const writer = await instance(schema);
    const { sourceId } = await writer.register({
      tenantId: 'acme',
      name: 'Hot',
      sourceType: 'api',
    });
    // Each decides its first command at version 1 before any writes: three must lose and retry.
    const start = barrier(4);
    const instances = await Promise.all(
      [1, 2, 3, 4].map(() => instance(schema, undefined, start.arrive)),
    );
    const [first] = instances;
    if (!first) throw new Error('no instance');

    await Promise.all(
      instances.flatMap((registry) =>
        Array.from({ length: 10 }, () => registry.recordConnection(sourceId)),
      ),
    );

    const history = await first.history(sourceId);
    expect(history.map((event) => event.streamVersion)).toEqual(
      Array.from({ length: 41 }, (_, i) => i + 1),
    );
    for (const registry of instances) {
      await eventually(
        async () => registry.get(sourceId)?.connectionCount === 40,
        'every instance to see 40 connections',
      );
    }
  });

  it('keep a name unique within a tenant across instances that all decided before any wrote', async () => {
    const schema = schemas.next();
    const start = barrier(4);
    const instances = await Promise.all(
      [1, 2, 3, 4].map(() => instance(schema, undefined, start.arrive)),
    );
    const results = await Promise.allSettled(
      instances.map((registry, i) =>
        registry.register({
          tenantId: 'acme',
          name: i % 2 ? 'Billing' : ' BILLING ',
          sourceType: 'api',
        }),
      ),
    );
    const refused = results.filter((result) => result.status === 'rejected');
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of refused) {
      expect((result as PromiseRejectedResult).reason.code).toBe(ErrorCode.DUPLICATE_NAME);
    }
  });

  it('keep names unique across processes that all decided before any wrote', async () => {
    const schema = schemas.next();
    await instance(schema); // creates the schema before the processes race
    const names = Array.from({ length: 12 }, (_, i) => `source-${i}`).join(',');
    const lockKey = [randomInt(1, 2 ** 31), randomInt(1, 2 ** 31)];
    const startLine = new pg.Client(url);
    await startLine.connect();
    await startLine.query('SELECT pg_advisory_lock($1, $2)', lockKey);
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            'test/fixtures/postgres-registrar-on-barrier.ts',
            url,
            schema,
            ...lockKey.map(String),
            names,
          ],
          {
            stdio: ['ignore', 'pipe', 'inherit'],
            env: { ...process.env, DATASOURCE_REGISTRY_KEY: '' },
          },
        );
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
        });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
      });
    let outputs: string[];
    try {
      const running = Promise.all([run(), run(), run()]);
      running.catch(() => {});
      await eventually(
        async () => {
          const [row] = await adminQuery<{ waiting: number }>(
            url,
            `SELECT count(*)::int AS waiting FROM pg_locks
            WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND NOT granted`,
            lockKey,
          );
          return row?.waiting === 3;
        },
        'all three processes to have decided and to wait at the start line',
        30_000,
      );
      await startLine.query('SELECT pg_advisory_unlock($1, $2)', lockKey);
      outputs = await running;
    } finally {
      await startLine.end();
    }
    const lines = outputs.flatMap((out) =>
      out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { name: string; outcome: string }),
    );
    expect(lines).toHaveLength(36);
    for (let i = 0; i < 12; i++) {
      const forName = lines.filter((line) => line.name === `source-${i}`);
      expect(forName.filter((line) => line.outcome === 'registered')).toHaveLength(1);
      expect(forName.filter((line) => line.outcome === ErrorCode.DUPLICATE_NAME)).toHaveLength(2);
    }
  }, 60_000);

  it('keep no secret in plaintext where pg_dump can find it', async () => {
    const schema = schemas.next();
    const registry = await instance(schema);
    const source = await registry.register({
      tenantId: 'acme',
      name: 'Warehouse',
      sourceType: 'database',
      config: { host: 'wh.internal', password: PASSWORD, apiKey: API_KEY },
    });
    await registry.updateConfig(source.sourceId, { ...source.config, port: 5439 });

    const { stdout } = await promisify(execFile)('pg_dump', ['--dbname', url, '--schema', schema], {
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(stdout).toContain('DataSourceConfigUpdated');
    expect(stdout).not.toContain(PASSWORD);
    expect(stdout).not.toContain(API_KEY);
    expect(registry.get(source.sourceId)?.config.password).toBe(PASSWORD);
  });

  it('carries on when its idle connections are terminated between commands', async () => {
    const schema = schemas.next();
    const applicationName = uniqueName('dsreg_victim');
    const registry = await instance(schema, applicationName);
    const source = await registry.register({ tenantId: 'acme', name: 'Flaky', sourceType: 'api' });

    const pids = await backendsOf(applicationName);
    await terminate(applicationName);
    // Between commands: the server has ended them before the next command starts.
    await eventually(
      async () => (await backendsOf(applicationName)).every((pid) => !pids.includes(pid)),
      'the terminated connections to be gone',
    );

    expect((await registry.activate(source.sourceId))?.status).toBe('active');
  });

  it('reports an outage as STORE_ERROR, changes nothing, and works again once it ends', async () => {
    const schema = schemas.next();
    const role = uniqueName('dsreg_role');
    await adminQuery(url, `CREATE ROLE ${role} LOGIN`);
    await adminQuery(url, `GRANT CREATE ON DATABASE ${new URL(url).pathname.slice(1)} TO ${role}`);
    try {
      const roleUrl = new URL(url);
      roleUrl.username = role;
      const applicationName = uniqueName('dsreg_outage');
      const registry = await DataSourceRegistry.open({
        store: createPostgresEventStore({
          connectionString: withApplicationName(roleUrl.toString(), applicationName),
          schema,
        }),
      });
      opened.push(registry);
      const source = await registry.register({ tenantId: 'acme', name: 'Down', sourceType: 'api' });
      const heard: DataSourceEvent[] = [];
      registry.on('*', (event) => heard.push(event));
      const before = { position: registry.position, state: plainJson(registry.list()) };

      // The outage: the store's role may no longer log in, and its connections are cut.
      await adminQuery(url, `ALTER ROLE ${role} NOLOGIN`);
      await terminate(applicationName);
      const failure = await registry.activate(source.sourceId).catch((error: unknown) => error);

      expect(failure).toMatchObject({ code: ErrorCode.STORE_ERROR });
      expect((failure as Error).cause).toBeInstanceOf(Error);
      expect(registry.position).toBe(before.position);
      expect(plainJson(registry.list())).toBe(before.state);
      expect(heard).toEqual([]);

      await adminQuery(url, `ALTER ROLE ${role} LOGIN`);
      expect((await registry.activate(source.sourceId))?.status).toBe('active');
      expect(heard.map((event) => event.type)).toEqual(['DataSourceActivated']);
    } finally {
      for (const registry of opened.splice(0)) await registry.close();
      await schemas.dropAll();
      await adminQuery(url, `DROP OWNED BY ${role}`);
      await adminQuery(url, `DROP ROLE ${role}`);
    }
  });

  async function backendsOf(applicationName: string): Promise<number[]> {
    const rows = await adminQuery<{ pid: number }>(
      url,
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return rows.map((row) => row.pid);
  }

  async function terminate(applicationName: string) {
    await adminQuery(
      url,
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
  }
});
