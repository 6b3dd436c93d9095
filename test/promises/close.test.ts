import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataSourceRegistry, ErrorCode } from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { createSqliteEventStore } from '../../src/store/sqlite/index.js';
import { streamAppend } from '../store/conformance.js';
import {
  adminQuery,
  describeWithPostgres,
  eventually,
  listeningBackend,
  testSchemas,
  uniqueName,
  withApplicationName,
} from '../support/postgres.js';
import { failsWith } from '../support/registry-fixtures.js';
import { useTempDir } from '../support/temp-dir.js';

const tempDir = useTempDir('close-');
const encryptionKey = randomBytes(32);

describe('registry.close() on SQLite', () => {
  it('closes the store it was opened on', async () => {
    const store = createSqliteEventStore({ filename: join(tempDir(), 'log.sqlite') });
    const registry = await DataSourceRegistry.open({ store, encryptionKey });
    await registry.register({ tenantId: 'acme', name: 'Orders', sourceType: 'api' });

    await registry.close();

    const error = await failsWith(() => store.head(), ErrorCode.STORE_ERROR);
    expect(error.message).toMatch(/closed/);
  });
});

describeWithPostgres('closing on PostgreSQL', (url) => {
  const schemas = testSchemas(url);
  afterAll(() => schemas.dropAll());

  /** The server's connections made under this application name, with what they run. */
  const backendsOf = (application: string) =>
    adminQuery<{ pid: number; query: string }>(
      url,
      'SELECT pid, query FROM pg_stat_activity WHERE application_name = $1',
      [application],
    );

  it('registry.close() ends every connection of the store it was opened on', async () => {
    const application = uniqueName('dsreg_close');
    const schema = schemas.next();
    const store = createPostgresEventStore({
      connectionString: withApplicationName(url, application),
      schema,
    });
    const registry = await DataSourceRegistry.open({ store, encryptionKey });
    await registry.register({ tenantId: 'acme', name: 'Orders', sourceType: 'api' });
    await listeningBackend(url, schema);
    expect((await backendsOf(application)).length).toBeGreaterThan(0);

    await registry.close();

    await failsWith(() => store.head(), ErrorCode.STORE_ERROR);
    // Well before the pool would drop idle connections by itself (10 s).
    await eventually(
      async () => (await backendsOf(application)).length === 0,
      'every connection of the closed registry to end',
      5_000,
    );
  });

  it('store.close() ends its LISTEN connection, and its listeners hear no later append', async () => {
    const application = uniqueName('dsreg_listen');
    const schema = schemas.next();
    const closing = createPostgresEventStore({
      connectionString: withApplicationName(url, application),
      schema,
    });
    const heardAfterClose: number[] = [];
    let isClosed = false;
    closing.subscribe((head) => {
      if (isClosed) heardAfterClose.push(head);
    });
    await eventually(
      async () => (await backendsOf(application)).some((b) => b.query.startsWith('LISTEN')),
      'the store to LISTEN',
    );

    await closing.close();
    isClosed = true;

    await eventually(
      async () => (await backendsOf(application)).length === 0,
      'the LISTEN connection of the closed store to end',
      5_000,
    );
    const witnessName = uniqueName('dsreg_witness');
    const witness = createPostgresEventStore({
      connectionString: withApplicationName(url, witnessName),
      schema,
    });
    const heardByWitness = new Promise<number>((resolve) => witness.subscribe(resolve));
    await eventually(
      async () => (await backendsOf(witnessName)).some((b) => b.query.startsWith('LISTEN')),
      'the witness store to LISTEN',
    );
    const writer = createPostgresEventStore({ connectionString: url, schema });
    await writer.append(streamAppend('s1', 0));
    await heardByWitness;
    expect(heardAfterClose).toEqual([]);
    await writer.close();
    await witness.close();
  });
});
