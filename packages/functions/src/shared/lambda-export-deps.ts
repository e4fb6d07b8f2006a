import type { ExportServices } from '@parley/core';
import { type ExportsConfig, exportServicesFor, exportStoreFor, sqsExportQueueFor } from './export-adapters.js';
import { lambdaConfig } from './lambda-deps.js';

// The export adapters of a Lambda: S3 and SQS, named by the resources SST links (infra/storage.ts,
// infra/queue.ts). Only the functions that export import this, so only they bundle the AWS SDK.

/** The export settings, with the bucket and queue SST linked unless set. */
export function lambdaExportsConfig(): ExportsConfig {
  return lambdaConfig().exports;
}

let exportServices: ExportServices | undefined;
export function lambdaExportServices(): ExportServices {
  if (!exportServices) {
    const cfg = lambdaExportsConfig();
    const queue = sqsExportQueueFor(cfg);
    if (!queue) throw new Error('No exports queue: link ExportsQueue or set EXPORTS_QUEUE_URL');
    // Unset, PUBLIC_URL leaves links to the domain API Gateway reports for the request (export-http.ts).
    exportServices = exportServicesFor(cfg, { queue, store: exportStoreFor(cfg), publicUrl: lambdaConfig().publicUrl });
  }
  return exportServices;
}
