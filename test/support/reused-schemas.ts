/**
 * Migrated PostgreSQL schemas handed from one test to the next. Making a
 * schema runs every migration, most of a short test's time; emptying one
 * takes a few milliseconds. Each schema is migrated here, before any test
 * has it, and its catalog (tables, columns, constraints, indexes, functions,
 * triggers, grants) recorded. After a test it is used again only if that
 * catalog is unchanged: then every table but the schema version's is
 * emptied, its sequences restarted and the chain head set back to the
 * genesis link, the one row a migration writes. A test that drops a table or
 * adds a trigger leaves its schema out of use, not broken for the next test.
 */
import pg from 'pg';
import { GENESIS_HASH } from '../../src/store/chain.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { adminQuery, uniqueName } from './postgres.js';

export interface ReusedSchemas {
  /** A migrated, empty schema: one a test left as it was migrated, emptied, or else a new one. */
  take(): Promise<string>;
  /** After a test, once every store on its schemas is closed: empties them for the next test. */
  giveBack(): Promise<void>;
  /** After the last test: drops every schema handed out. */
  dropAll(): Promise<void>;
}

// The schema's catalog as one hash.
const CATALOG_FINGERPRINT = `
WITH ns AS (SELECT oid, nspacl FROM pg_namespace WHERE nspname = $1::text),
relations AS (SELECT c.* FROM pg_class c, ns WHERE c.relnamespace = ns.oid),
items AS (
  SELECT format('schema %s', nspacl) AS item FROM ns
  UNION ALL
  SELECT format('relation %s %s %s %s', relname, relkind, relacl, relrowsecurity) FROM relations
  UNION ALL
  SELECT format('column %s.%s %s %s %s %s', c.relname, a.attname,
                format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
                pg_get_expr(d.adbin, d.adrelid))
    FROM relations c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  UNION ALL
  SELECT format('constraint %s %s', conname, pg_get_constraintdef(p.oid))
    FROM pg_constraint p, ns WHERE p.connamespace = ns.oid
  UNION ALL
  SELECT format('index %s', pg_get_indexdef(c.oid)) FROM relations c WHERE c.relkind = 'i'
  UNION ALL
  SELECT format('function %s(%s) %s %s', proname, pg_get_function_identity_arguments(p.oid),
                proacl, md5(prosrc))
    FROM pg_proc p, ns WHERE p.pronamespace = ns.oid
  UNION ALL
  SELECT format('trigger %s.%s %s', c.relname, t.tgname, t.tgenabled)
    FROM relations c JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal
)
SELECT md5(string_agg(item, E'\\n' ORDER BY item)) AS fingerprint FROM items`;

// What emptying a schema must reset.
const CONTENTS = `
SELECT array(SELECT relname::text FROM pg_class
              WHERE relnamespace = $1::text::regnamespace AND relkind IN ('r', 'p')
                AND relname <> 'event_store_schema_version' ORDER BY relname) AS tables,
       array(SELECT format('%s %s', c.relname, s.seqstart)
               FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
              WHERE c.relnamespace = $1::text::regnamespace ORDER BY c.relname) AS sequences`;

interface Migrated {
  readonly fingerprint: string;
  readonly tables: readonly string[];
  /** Each sequence as its name and start value, separated by a space. */
  readonly sequences: readonly string[];
}

/** Schemas named `prefix_…`, used again from test to test while they stay as migrated. */
export function reusedSchemas(url: string, prefix: string): ReusedSchemas {
  const made: string[] = [];
  const inUse: string[] = [];
  const ready: string[] = [];
  const asMigrated = new Map<string, Migrated>();
  let admin: pg.Client | undefined;

  async function connection(): Promise<pg.Client> {
    if (admin === undefined) {
      const client = new pg.Client(url);
      client.on('error', () => {});
      await client.connect();
      // A store left open holding a lock must not hang the test's teardown.
      await client.query(`SET lock_timeout = '2s'`);
      admin = client;
    }
    return admin;
  }

  async function catalogOf(schema: string): Promise<string | undefined> {
    const client = await connection();
    const { rows } = await client.query<{ fingerprint: string | null }>(CATALOG_FINGERPRINT, [
      schema,
    ]);
    return rows[0]?.fingerprint ?? undefined;
  }

  async function migrateNew(): Promise<string> {
    const schema = uniqueName(prefix);
    made.push(schema);
    const store = createPostgresEventStore({ connectionString: url, schema });
    try {
      await store.head();
    } finally {
      await store.close();
    }
    const client = await connection();
    const { rows } = await client.query<{ tables: string[]; sequences: string[] }>(CONTENTS, [
      quoteIdentifier(schema),
    ]);
    const fingerprint = await catalogOf(schema);
    if (fingerprint === undefined || rows[0] === undefined) throw new Error(`${schema} not made`);
    asMigrated.set(schema, { fingerprint, ...rows[0] });
    return schema;
  }

  async function emptied(schema: string): Promise<boolean> {
    const migrated = asMigrated.get(schema);
    if (migrated === undefined || (await catalogOf(schema)) !== migrated.fingerprint) return false;
    const s = quoteIdentifier(schema);
    const restarts = migrated.sequences.map((sequence) => {
      const [name, start] = sequence.split(' ');
      return `SELECT setval('${s}.${quoteIdentifier(name ?? '')}', ${start}, false);`;
    });
    const client = await connection();
    try {
      // DELETE, not TRUNCATE: on tables this small it is ten times quicker.
      await client.query(`BEGIN;
        ${migrated.tables.map((table) => `DELETE FROM ${s}.${quoteIdentifier(table)};`).join('\n')}
        ${restarts.join('\n')}
        INSERT INTO ${s}.chain_head (position, hash) VALUES (0, '${GENESIS_HASH}');
        COMMIT;`);
      return true;
    } catch {
      // Still locked by a store the test left open: not used again.
      await client.query('ROLLBACK').catch(() => {});
      return false;
    }
  }

  return {
    async take() {
      const schema = ready.pop() ?? (await migrateNew());
      inUse.push(schema);
      return schema;
    },
    async giveBack() {
      for (const schema of inUse.splice(0)) {
        if (await emptied(schema)) ready.push(schema);
      }
    },
    async dropAll() {
      ready.length = 0;
      asMigrated.clear();
      await admin?.end();
      admin = undefined;
      const names = made.splice(0).map(quoteIdentifier);
      // Dropping a schema costs about as much as making one: all together, once.
      if (names.length > 0)
        await adminQuery(url, `DROP SCHEMA IF EXISTS ${names.join(', ')} CASCADE`);
    },
  };
}
