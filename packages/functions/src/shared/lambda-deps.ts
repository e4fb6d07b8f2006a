import { config, databaseOptions, type ExportServices, lazyDatabase } from '@parley/core';
import { Resource } from 'sst/resource';
import type { AppDeps } from './env.js';
import { type ExportsConfig, exportStoreFor, sqsExportQueueFor } from './export-adapters.js';

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

export const lambdaDatabase = lazyDatabase(() => {
  // The Neon connection string linked to the function (infra/secrets.ts), unless DATABASE_URL is set.
  const url = process.env.DATABASE_URL ? undefined : linked('DatabaseUrl', 'value');
  if (url) process.env.DATABASE_URL = url;
  return databaseOptions(config());
});

/** The export settings, with the bucket and queue SST linked (infra/storage.ts, infra/queue.ts) unless set. */
export function lambdaExportsConfig(): ExportsConfig {
  const cfg = config().exports;
  return { ...cfg, bucket: cfg.bucket ?? linked('Exports', 'name'), queueUrl: cfg.queueUrl ?? linked('ExportsQueue', 'url') };
}

let exportServices: ExportServices | undefined;
function lambdaExportServices(): ExportServices {
  if (!exportServices) {
    const cfg = lambdaExportsConfig();
    const queue = sqsExportQueueFor(cfg);
    if (!queue) throw new Error('No exports queue: link ExportsQueue or set EXPORTS_QUEUE_URL');
    exportServices = { queue, store: exportStoreFor(cfg), waitMs: cfg.waitMs, linkTtlSeconds: cfg.linkTtlSeconds };
  }
  return exportServices;
}

export const lambdaDeps: AppDeps = { db: lambdaDatabase.db, exports: lambdaExportServices };
