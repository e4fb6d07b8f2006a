import { createDb, type Database, type DbHandle, type DbOptions, migrateToLatest } from '@parley/db';
import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import { join } from 'node:path';

export function databaseOptions(config: Config): DbOptions {
  return {
    driver: config.databaseDriver,
    url: config.databaseUrl,
    dataDir: config.databaseDriver === 'pglite' ? join(config.dataDir, 'pglite') : undefined,
    neonWsProxy: config.neonWsProxy,
  };
}

/**
 * A database opened on first use and kept for the life of the process (a Lambda container, the
 * local server). Nothing connects at import time.
 */
export function lazyDatabase(options: () => DbOptions, init?: (db: Kysely<Database>) => Promise<unknown>) {
  let handle: Promise<DbHandle> | undefined;
  const open = () => {
    handle ??= (async () => {
      const h = await createDb(options());
      if (init) await init(h.db);
      return h;
    })();
    handle.catch(() => {
      handle = undefined; // let the next request try again
    });
    return handle;
  };
  return {
    db: async () => (await open()).db,
    /** The whole handle: the Kysely instance, the driver and its COPY. */
    handle: open,
    async close() {
      if (handle) await (await handle).close();
      handle = undefined;
    },
  };
}

export { migrateToLatest };
