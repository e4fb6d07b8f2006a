import { type Config, createLocalExportStore, type ExportQueue, type ExportStore, type LocalExportStore } from '@parley/core';
import { createS3ExportStore, createSqsExportQueue } from '@parley/core/aws';

// The export adapters the configuration names: S3 and SQS when a bucket and a queue are configured
// (or linked by SST), else a folder under DATA_DIR and, for the queue, whatever the caller runs in-process.

export type ExportsConfig = Config['exports'];

export function exportStoreFor(cfg: ExportsConfig): ExportStore | LocalExportStore {
  if (cfg.bucket) return createS3ExportStore({ bucket: cfg.bucket, region: cfg.region, endpoint: cfg.s3Endpoint });
  return createLocalExportStore({ dir: cfg.localDir, secret: cfg.signingSecret });
}

export function isLocalExportStore(store: ExportStore): store is LocalExportStore {
  return typeof (store as Partial<LocalExportStore>).verify === 'function';
}

export function sqsExportQueueFor(cfg: ExportsConfig): ExportQueue | undefined {
  return cfg.queueUrl ? createSqsExportQueue({ queueUrl: cfg.queueUrl, region: cfg.region, endpoint: cfg.sqsEndpoint }) : undefined;
}
