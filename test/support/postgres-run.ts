/**
 * Set up once around the whole run (vitest `globalSetup`): with a database,
 * gives the run a prefix for the PostgreSQL schemas its registry suite hands
 * from test to test, across describe blocks and files, and drops every
 * schema under that prefix once the run ends, whatever became of the tests
 * that used them. Runs outside the test workers, so it imports nothing that
 * needs one.
 */
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { adminQuery, postgresUrl } from './postgres-admin.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The schema prefix of this run, when PostgreSQL tests run. */
    postgresSchemaPrefix: string | undefined;
  }
}

export function setup(project: TestProject): (() => Promise<void>) | undefined {
  const url = postgresUrl;
  if (url === undefined) {
    project.provide('postgresSchemaPrefix', undefined);
    return undefined;
  }
  const prefix = `dsreg_run_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  project.provide('postgresSchemaPrefix', prefix);
  return () => dropSchemasUnder(url, prefix);
}

async function dropSchemasUnder(url: string, prefix: string): Promise<void> {
  const rows = await adminQuery<{ name: string }>(
    url,
    'SELECT quote_ident(nspname) AS name FROM pg_namespace WHERE starts_with(nspname, $1)',
    [`${prefix}_`],
  );
  if (rows.length > 0) {
    await adminQuery(
      url,
      `DROP SCHEMA IF EXISTS ${rows.map((row) => row.name).join(', ')} CASCADE`,
    );
  }
}
