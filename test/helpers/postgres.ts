// PostgreSQL for tests: DATABASE_URL when set; in CI a missing server fails the run instead of skipping.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The connection string the tests use, or undefined when PostgreSQL tests should be skipped (local runs without DATABASE_URL). */
export function postgresUrl(): string | undefined {
  if (process.env['DATABASE_URL']) return process.env['DATABASE_URL'];
  if (process.env['CI']) return 'postgres://postgres@127.0.0.1:5432/test';
  return undefined;
}

/** A pool that fails fast instead of waiting for a connection forever. */
export function postgresPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 2000 });
  // An idle client's error (the server went away) surfaces through the next query; the event itself is expected.
  pool.on('error', () => undefined);
  return pool;
}

/** A schema name of this test run alone: other runs share the database. */
export function uniqueSchema(label: string): string {
  return `fg_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Drops a test schema and everything in it. */
export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
