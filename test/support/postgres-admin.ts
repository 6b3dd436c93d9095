/**
 * The test database and one-statement access to it. Kept apart from
 * `postgres.ts`, which needs a vitest worker, so the run's global setup
 * (`postgres-run.ts`) can use it too.
 */
import pg from 'pg';

/** The database PostgreSQL tests run against; without it they are skipped. */
export const postgresUrl: string | undefined =
  process.env.DATASOURCE_REGISTRY_PG_URL?.trim() || undefined;

/** Runs one statement on a connection of its own: for setting up and inspecting tests. */
export async function adminQuery<R extends pg.QueryResultRow>(
  url: string,
  sql: string,
  parameters: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client(url);
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<R>(sql, parameters)).rows;
  } finally {
    await client.end();
  }
}
