import { afterAll, beforeAll, inject } from 'vitest';
import { createDb, type Database, type DatabaseDriver, type DbHandle, migrateToLatest } from '@parley/db';
import type { Kysely } from 'kysely';

export function testDriver(): DatabaseDriver {
  const url = process.env.DATABASE_URL;
  if (!url) return 'pglite';
  return process.env.DATABASE_DRIVER === 'neon' ? 'neon' : 'pg';
}

/** Opens the test database: DATABASE_URL's server (already migrated) or a fresh in-memory PGlite. */
export async function openTestDb(): Promise<DbHandle> {
  const driver = testDriver();
  if (driver === 'pglite') {
    const handle = await createDb({ driver });
    await migrateToLatest(handle.db);
    return handle;
  }
  return createDb({ driver, url: process.env.DATABASE_URL, neonWsProxy: inject('neonWsProxy'), maxConnections: 4 });
}

/** One database for the test file, opened before its tests and closed after them. */
export function useTestDb(): { readonly db: Kysely<Database>; readonly handle: DbHandle } {
  let handle: DbHandle | undefined;
  beforeAll(async () => {
    handle = await openTestDb();
  });
  afterAll(async () => {
    await handle?.close();
  });
  return {
    get db() {
      if (!handle) throw new Error('useTestDb(): database not open yet (use it inside tests or hooks)');
      return handle.db;
    },
    get handle() {
      if (!handle) throw new Error('useTestDb(): database not open yet');
      return handle;
    },
  };
}
