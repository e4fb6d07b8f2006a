import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createDb, type Database, type DbHandle, type DbOptions, migrateToLatest } from '@parley/db';
import type { Kysely } from 'kysely';
import type { Config } from './config.js';

/**
 * Where the local files of the configured database live (its demo key; for the embedded database also
 * its lock and socket, beside PGlite's own files). Each database has its own folder under DATA_DIR, so
 * switching between the embedded database and a server never mixes their state: `pglite/` for the
 * embedded one, `pg-<hash of the URL without its password>/` for a server.
 */
export function databaseFiles(config: Config) {
  const home = config.databaseDriver === 'pglite' ? join(config.dataDir, 'pglite') : join(config.dataDir, `pg-${urlHash(config.databaseUrl!)}`);
  return {
    home,
    demoKey: join(home, 'demo-api-key'),
    /** Where every database kept its demo key before: read once, for the database it belongs to. */
    legacyDemoKey: join(config.dataDir, 'demo-api-key'),
    lock: join(home, 'parley.lock'),
  };
}
export type DatabaseFiles = ReturnType<typeof databaseFiles>;

function urlHash(url: string): string {
  const parsed = new URL(url);
  parsed.password = '';
  return createHash('sha256').update(parsed.toString()).digest('hex').slice(0, 12);
}

export function databaseOptions(config: Config): DbOptions {
  return {
    driver: config.databaseDriver,
    url: config.databaseUrl,
    dataDir: config.databaseDriver === 'pglite' ? databaseFiles(config).home : undefined,
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
