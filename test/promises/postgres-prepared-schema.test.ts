import { afterEach, expect, it } from 'vitest';
import { DataSourceRegistry } from '../../src/index.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { adminQuery, describeWithPostgres, uniqueName } from '../support/postgres.js';

describeWithPostgres('a role without CREATE rights on the database', (url) => {
  const made: { schema: string; role: string }[] = [];

  afterEach(async () => {
    for (const { schema, role } of made.splice(0)) {
      await adminQuery(url, `DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      await adminQuery(url, `DROP OWNED BY ${quoteIdentifier(role)}`);
      await adminQuery(url, `DROP ROLE IF EXISTS ${quoteIdentifier(role)}`);
    }
  });

  /** A new login role and a schema made for it; the role may not create schemas in the database. */
  async function schemaForNewRole() {
    const schema = uniqueName('dsreg_prepared');
    const role = uniqueName('dsreg_role');
    made.push({ schema, role });
    await adminQuery(url, `CREATE ROLE ${quoteIdentifier(role)} LOGIN`);
    await adminQuery(url, `CREATE SCHEMA ${quoteIdentifier(schema)}`);
    await adminQuery(
      url,
      `GRANT USAGE ON SCHEMA ${quoteIdentifier(schema)} TO ${quoteIdentifier(role)}`,
    );
    const [rights] = await adminQuery<{ create: boolean }>(
      url,
      `SELECT has_database_privilege($1, current_database(), 'CREATE') AS create`,
      [role],
    );
    expect(rights?.create).toBe(false);
    const asRole = new URL(url);
    asRole.username = role;
    return { schema, role, roleUrl: asRole.toString() };
  }

  async function registerAndReplay(roleUrl: string, schema: string) {
    const encryptionKey = Buffer.alloc(32, 7);
    const registry = await DataSourceRegistry.open({
      store: createPostgresEventStore({ connectionString: roleUrl, schema }),
      encryptionKey,
    });
    const source = await registry.register({ tenantId: 'acme', name: 'Orders', sourceType: 'api' });
    await registry.activate(source.sourceId);
    await registry.close();
    const replayed = await DataSourceRegistry.open({
      store: createPostgresEventStore({ connectionString: roleUrl, schema }),
      encryptionKey,
    });
    const found = replayed.get(source.sourceId);
    await replayed.close();
    return found;
  }

  it('creates the store in a schema it may create tables in, without creating the schema', async () => {
    const { schema, role, roleUrl } = await schemaForNewRole();
    await adminQuery(
      url,
      `GRANT CREATE ON SCHEMA ${quoteIdentifier(schema)} TO ${quoteIdentifier(role)}`,
    );

    const source = await registerAndReplay(roleUrl, schema);

    expect(source).toMatchObject({ name: 'Orders', status: 'active', version: 2 });
  });

  it('uses a schema whose tables were made for it, with no CREATE rights at all', async () => {
    const { schema, role, roleUrl } = await schemaForNewRole();
    // Prepared by a privileged role: the store creates its tables on first use.
    const admin = createPostgresEventStore({ connectionString: url, schema });
    await admin.head();
    await admin.close();
    const s = quoteIdentifier(schema);
    const r = quoteIdentifier(role);
    await adminQuery(
      url,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${r}`,
    );
    await adminQuery(url, `GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${s} TO ${r}`);
    await adminQuery(url, `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${s} TO ${r}`);

    const source = await registerAndReplay(roleUrl, schema);

    expect(source).toMatchObject({ name: 'Orders', status: 'active', version: 2 });
  });
});
