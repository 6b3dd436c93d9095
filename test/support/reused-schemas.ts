/**
 * Migrated PostgreSQL schemas handed from one test to the next. Making a
 * schema runs every migration, most of a short test's time; emptying one
 * takes a few milliseconds. Each schema is migrated here, before any test
 * has it, and its catalog (tables, columns, constraints, indexes, functions,
 * triggers, grants) recorded. After a test it is used again only if that
 * catalog is unchanged: then every table but the schema version's is
 * emptied, its sequences restarted and the chain head set back to the
 * genesis link, the one row a migration writes. A test that drops a table,
 * adds a trigger or changes a grant leaves its schema out of use, not broken
 * for the next test.
 */
import pg from 'pg';
import { GENESIS_HASH } from '../../src/store/chain.js';
import { createPostgresEventStore } from '../../src/store/postgres/index.js';
import { quoteIdentifier } from '../../src/store/postgres/names.js';
import { adminQuery, uniqueName } from './postgres.js';

export interface ReusedSchemas {
  /** A migrated, empty schema: one a test left as it was migrated, emptied, or else a new one. */
  take(): Promise<string>;
  /**
   * Once every store on them is closed: empties `schemas` (by default every
   * one taken and not yet given back) for the next test or property run.
   */
  giveBack(schemas?: readonly string[]): Promise<void>;
  /** After the last test: drops every schema handed out. */
  dropAll(): Promise<void>;
}

// What a schema holds as migrated: its relations (tables, indexes,
// sequences) and functions, by oid, and the tables to empty and sequences to
// restart. Read once per schema: the catalogs have no index by schema.
const CONTENTS = `
SELECT array(SELECT oid FROM pg_class WHERE relnamespace = $1::text::regnamespace) AS relations,
       array(SELECT oid FROM pg_proc WHERE pronamespace = $1::text::regnamespace) AS functions,
       array(SELECT relname::text FROM pg_class
              WHERE relnamespace = $1::text::regnamespace AND relkind IN ('r', 'p')
                AND relname <> 'event_store_schema_version' ORDER BY relname) AS tables,
       array(SELECT format('%s %s', c.relname, s.seqstart)
               FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid
              WHERE c.relnamespace = $1::text::regnamespace ORDER BY c.relname) AS sequences`;

// Those relations and functions and what hangs off them (columns,
// constraints, indexes, triggers), each with the transaction that last
// changed its catalog row, as one hash. DDL (a table dropped, a trigger
// added, a function replaced, a grant revoked) rewrites or removes such a
// row; writing, deleting and vacuuming data leave them as they are. Looked
// up by oid, through the catalogs' indexes.
const CATALOG_FINGERPRINT = `
WITH relations AS (SELECT unnest($1::oid[]) AS oid),
items AS (
  SELECT format('relation %s %s', c.oid, c.xmin) AS item
    FROM relations r JOIN pg_class c ON c.oid = r.oid
  UNION ALL
  SELECT format('column %s.%s %s', a.attrelid, a.attnum, a.xmin)
    FROM relations r JOIN pg_attribute a ON a.attrelid = r.oid
  UNION ALL
  SELECT format('constraint %s %s', k.oid, k.xmin)
    FROM relations r JOIN pg_constraint k ON k.conrelid = r.oid
  UNION ALL
  SELECT format('index %s', i.indexrelid) FROM relations r JOIN pg_index i ON i.indrelid = r.oid
  UNION ALL
  SELECT format('trigger %s %s', t.oid, t.xmin)
    FROM relations r JOIN pg_trigger t ON t.tgrelid = r.oid
  UNION ALL
  SELECT format('function %s %s', p.oid, p.xmin)
    FROM unnest($2::oid[]) AS f (oid) JOIN pg_proc p ON p.oid = f.oid
)
SELECT md5(string_agg(item, ',' ORDER BY item)) AS fingerprint FROM items`;

interface Migrated {
  readonly relations: readonly number[];
  readonly functions: readonly number[];
  readonly fingerprint: string;
  readonly tables: readonly string[];
  /** Each sequence as its name and start value, separated by a space. */
  readonly sequences: readonly string[];
}

// One connection per database for the whole process, kept warm: a new
// backend takes longer to read the catalog the first time than all the
// emptying after it. Idle, it does not keep the process alive.
const adminPools = new Map<string, pg.Pool>();

function adminPool(url: string): pg.Pool {
  let pool = adminPools.get(url);
  if (pool === undefined) {
    pool = new pg.Pool({
      connectionString: url,
      max: 1,
      allowExitOnIdle: true,
      // A store left open holding a lock must not hang the test's teardown;
      // compiling these small catalog queries would take longer than running them.
      options: '-c lock_timeout=2s -c jit=off',
    });
    pool.on('error', () => {});
    adminPools.set(url, pool);
  }
  return pool;
}

/** Schemas named `prefix_…`, used again from test to test while they stay as migrated. */
export function reusedSchemas(url: string, prefix: string): ReusedSchemas {
  const made: string[] = [];
  const inUse: string[] = [];
  const ready: string[] = [];
  const asMigrated = new Map<string, Migrated>();
  const admin = adminPool(url);

  async function catalogOf(
    relations: readonly number[],
    functions: readonly number[],
  ): Promise<string | undefined> {
    const { rows } = await admin.query<{ fingerprint: string | null }>(CATALOG_FINGERPRINT, [
      relations,
      functions,
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
    const { rows } = await admin.query<Omit<Migrated, 'fingerprint'>>(CONTENTS, [
      quoteIdentifier(schema),
    ]);
    const contents = rows[0];
    const fingerprint = contents && (await catalogOf(contents.relations, contents.functions));
    if (contents === undefined || fingerprint === undefined) throw new Error(`${schema} not made`);
    asMigrated.set(schema, { ...contents, fingerprint });
    return schema;
  }

  async function emptied(schema: string): Promise<boolean> {
    const migrated = asMigrated.get(schema);
    if (migrated === undefined) return false;
    const { relations, functions, fingerprint } = migrated;
    if ((await catalogOf(relations, functions)) !== fingerprint) return false;
    const s = quoteIdentifier(schema);
    const restarts = migrated.sequences.map((sequence) => {
      const [name, start] = sequence.split(' ');
      return `SELECT setval('${s}.${quoteIdentifier(name ?? '')}', ${start}, false);`;
    });
    const client = await admin.connect();
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
    } finally {
      client.release();
    }
  }

  return {
    async take() {
      const schema = ready.pop() ?? (await migrateNew());
      inUse.push(schema);
      return schema;
    },
    async giveBack(schemas = [...inUse]) {
      for (const schema of schemas) {
        const at = inUse.indexOf(schema);
        if (at === -1) continue;
        inUse.splice(at, 1);
        if (await emptied(schema)) ready.push(schema);
      }
    },
    async dropAll() {
      ready.length = 0;
      inUse.length = 0;
      asMigrated.clear();
      const names = made.splice(0).map(quoteIdentifier);
      // Dropping a schema costs about as much as making one: all together, once.
      if (names.length > 0)
        await adminQuery(url, `DROP SCHEMA IF EXISTS ${names.join(', ')} CASCADE`);
    },
  };
}
