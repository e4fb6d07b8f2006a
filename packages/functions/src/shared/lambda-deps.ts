import { config, databaseOptions, lazyDatabase } from '@parley/core';
import { Resource } from 'sst/resource';
import type { AppDeps } from './env.js';

// In a Lambda container the database opens on the first request and is reused by later ones.
// Migrations are not run here: deploys migrate once, before traffic.

/** The Neon connection string linked to the function (infra/secrets.ts), when deployed with SST. */
function linkedDatabaseUrl(): string | undefined {
  try {
    return (Resource as unknown as Record<string, { value?: string } | undefined>).DatabaseUrl?.value;
  } catch {
    return undefined; // not running under SST (tests, the local server): DATABASE_URL decides
  }
}

const database = lazyDatabase(() => {
  const linked = process.env.DATABASE_URL ? undefined : linkedDatabaseUrl();
  if (linked) process.env.DATABASE_URL = linked;
  return databaseOptions(config());
});

export const lambdaDeps: AppDeps = { db: database.db };
