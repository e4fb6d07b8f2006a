import { type Config, config, databaseOptions, lazyDatabase } from '@parley/core';
import { Resource } from 'sst/resource';
import type { AppDeps } from './env.js';

// In a Lambda container the database opens on the first request and is reused by later ones.
// Migrations are not run here: deploys migrate once, before traffic.

/** A value SST linked to the function (infra/), or undefined outside SST (tests, the local server). */
function linked(resource: string, field: string): string | undefined {
  try {
    const value = (Resource as unknown as Record<string, Record<string, unknown> | undefined>)[resource]?.[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

let linkedApplied = false;

/**
 * The configuration, with what SST links to the function standing in for the variables that are not set:
 * the connection string (infra/secrets.ts), the bucket and the queue (infra/storage.ts, infra/queue.ts).
 * Applied before the configuration is first parsed, which happens once per container.
 */
export function lambdaConfig(): Config {
  if (!linkedApplied) {
    linkedApplied = true;
    const fill = (variable: string, resource: string, field: string) => {
      const value = process.env[variable] ? undefined : linked(resource, field);
      if (value) process.env[variable] = value;
    };
    fill('DATABASE_URL', 'DatabaseUrl', 'value');
    fill('EXPORTS_BUCKET', 'Exports', 'name');
    fill('EXPORTS_QUEUE_URL', 'ExportsQueue', 'url');
  }
  return config();
}

export const lambdaDatabase = lazyDatabase(() => databaseOptions(lambdaConfig()));

export const lambdaDeps: AppDeps = { db: lambdaDatabase.db };
