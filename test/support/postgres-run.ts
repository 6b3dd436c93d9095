/**
 * Set up once around the whole run (vitest `globalSetup`): with a database,
 * gives the run a prefix for the PostgreSQL schemas its registry suite hands
 * from test to test, across describe blocks and files, and drops every
 * schema under that prefix once the run ends, whatever became of the tests
 * that used them. Runs outside the test workers, so it imports nothing that
 * needs one.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The schema prefix of this run, when PostgreSQL tests run. */
    postgresSchemaPrefix: string | undefined;
  }
}

export function setup(project: TestProject): (() => Promise<void>) | undefined {
  const url = process.env.DATASOURCE_REGISTRY_PG_URL?.trim() || undefined;
  const prefix = url && `dsreg_run_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  project.provide('postgresSchemaPrefix', prefix);
  if (url === undefined || prefix === undefined) return undefined;
  return async () => {
    const client = new pg.Client(url);
    client.on('error', () => {});
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>(
        `SELECT quote_ident(nspname) AS name FROM pg_namespace WHERE starts_with(nspname, $1)`,
        [`${prefix}_`],
      );
      if (rows.length > 0) {
        await client.query(
          `DROP SCHEMA IF EXISTS ${rows.map((row) => row.name).join(', ')} CASCADE`,
        );
      }
    } finally {
      await client.end();
    }
  };
}
