/**
 * `npm start`: a tour of the registry on an SQLite log kept in `.data/`.
 * The first run tells a story; every later run replays the log from disk
 * first, shows what it found, and adds a little to it.
 */
import { join } from 'node:path';
import {
  CustomerDataSource,
  DataSourceConfig,
  DataSourceError,
  DataSourceRegistry,
  DataSourceStats,
  DataSourceType,
} from '../index.js';
import { createSqliteEventStore } from '../store/sqlite/index.js';
import { loadOrCreateKeyFile } from './demo-key.js';

const folder = join(process.cwd(), '.data');
const filename = join(folder, 'demo.sqlite');
const encryptionKey = loadOrCreateKeyFile(join(folder, 'demo.key'));

const say = (text: string) => console.log(`\n── ${text}`);
const open = () =>
  DataSourceRegistry.open({ store: createSqliteEventStore({ filename }), encryptionKey });

const registry = await open();
registry.on('*', (event) => {
  const data = JSON.stringify(event.data);
  console.log(
    `  #${event.position} ${event.type} ${event.sourceId.slice(-6)} v${event.streamVersion}` +
      (data === '{}' ? '' : ` ${data.length > 90 ? `${data.slice(0, 87)}...` : data}`),
  );
});

async function firstRun() {
  say('Registering sources for two tenants (a listener prints each event as it lands)');
  const orders = await registry.register(
    {
      tenantId: 'acme',
      name: 'Orders DB',
      sourceType: DataSourceType.DATABASE,
      config: {
        host: 'db.acme.internal',
        port: 5432,
        username: 'app',
        password: 's3cr3t!',
        database: 'orders',
      },
      tags: ['production'],
    },
    { actor: 'alice@acme' },
  );
  const search = await registry.register({
    tenantId: 'acme',
    name: 'Product vectors',
    sourceType: DataSourceType.VECTOR,
    config: { host: 'vectors.acme.internal', apiKey: 'vk-123' },
  });
  await registry.register({
    tenantId: 'globex',
    name: 'Billing API',
    sourceType: DataSourceType.API,
    config: { connectionString: 'https://svc:tok3n@billing.globex.example/v2' },
    accessRoles: ['finance'],
  });
  await registry.register({
    tenantId: 'globex',
    name: 'Clickstream',
    sourceType: DataSourceType.STREAM,
  });

  say('A lifecycle: activate, connect, fail, recover');
  await registry.activate(orders.sourceId);
  await registry.recordConnection(orders.sourceId);
  await registry.recordError(orders.sourceId, 'connection refused');
  console.log(`  status now: ${registry.get(orders.sourceId)?.status}`);
  await registry.activate(orders.sourceId);
  await registry.activate(search.sourceId);
  const recovered = registry.get(orders.sourceId);
  console.log(`  status now: ${recovered?.status}, lastError: ${recovered?.lastError}`);
  if (recovered) {
    console.log(
      `  connection URL: ${DataSourceConfig.getConnectionUrl(recovered.config, { scheme: 'postgres', maskSecrets: true })}`,
    );
  }

  say('Bad input is refused, and nothing is written');
  const before = registry.position;
  try {
    await registry.register({
      tenantId: 'acme',
      name: 'Typo',
      sourceType: DataSourceType.DATABASE,
      config: { pasword: 'oops' } as unknown as DataSourceConfig,
    });
  } catch (error) {
    if (!(error instanceof DataSourceError)) throw error;
    console.log(`  ${error.code}: ${error.message}`);
  }
  try {
    await registry.register({
      tenantId: 'acme',
      name: ' orders db ',
      sourceType: DataSourceType.FILE,
    });
  } catch (error) {
    if (!(error instanceof DataSourceError)) throw error;
    console.log(`  ${error.code}: ${error.message}`);
  }
  console.log(`  log position still ${registry.position} (was ${before})`);

  say(`History of "${orders.name}" (secrets are shown as ***)`);
  for (const event of await registry.history(orders.sourceId)) {
    console.log(
      `  v${event.streamVersion} ${event.occurredAt} ${event.type}${event.metadata.actor ? ` by ${event.metadata.actor}` : ''}`,
    );
  }
}

async function laterRun() {
  say(`Replayed ${registry.position} events from .data/demo.sqlite`);
  for (const source of registry.list({ limit: 1000 })) {
    console.log(
      `  ${source.tenantId}/${source.name}: ${source.status}, ${source.connectionCount} connections, v${source.version}`,
    );
  }
  say('Recording a connection on every active source');
  for (const source of registry.list({ status: 'active', limit: 1000 })) {
    await registry.recordConnection(source.sourceId, { actor: 'demo' });
  }
}

if (registry.position === 0) await firstRun();
else await laterRun();

say('Statistics');
for (const tenant of ['acme', 'globex']) {
  console.log(
    `  ${tenant}: ${JSON.stringify(DataSourceStats.toDict(registry.getStatistics(tenant)))}`,
  );
}
const acme = registry.getByName('acme', 'orders db');
if (acme) {
  console.log(
    `  acme's Orders DB as the Python to_dict: ${JSON.stringify(CustomerDataSource.toDict(acme)).slice(0, 120)}...`,
  );
  console.log(
    `  its config, printed the way a log prints it: ${JSON.stringify(acme.config).slice(0, 110)}...`,
  );
}

say('Replaying the log into a second registry');
const replica = await open();
// Printed, a source shows its secrets as "***"; the comparison is of the values themselves.
const state = (r: DataSourceRegistry) =>
  JSON.stringify([
    r.list({ limit: 10_000 }).map((source) => ({
      ...CustomerDataSource.toDict(source, { includeSecrets: true }),
      version: source.version,
    })),
    r.getStatistics(),
  ]);
console.log(
  `  ${replica.position} events replayed; same state: ${state(replica) === state(registry)}`,
);
await replica.close();
await registry.close();
console.log('\nRun `npm start` again to see the state replayed from disk.');
