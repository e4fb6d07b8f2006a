import { config, databaseOptions, lazyDatabase } from '@parley/core';
import { Resource } from 'sst/resource';
import type { AppDeps } from './env.js';

// In a Lambda container the database opens on the first request and is reused by later ones.
// Migrations are not run here: deploys migrate once, before traffic.

/** A value SST linked to the function (infra/), or undefined outside SST (tests, the local server). */
export function linked(resource: string, field: string): string | undefined {
  try {
    const value = (Resource as unknown as Record<string, Record<string, unknown> | undefined>)[resource]?.[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export const lambdaDatabase = lazyDatabase(() => {
  // The Neon connection string linked to the function (infra/secrets.ts), unless DATABASE_URL is set.
  const url = process.env.DATABASE_URL ? undefined : linked('DatabaseUrl', 'value');
  if (url) process.env.DATABASE_URL = url;
  return databaseOptions(config());
});

export const lambdaDeps: AppDeps = { db: lambdaDatabase.db };
