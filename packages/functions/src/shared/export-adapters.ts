import { type Config, createLocalExportStore, EXPORT_KIND_INFOS, EXPORT_KINDS, type ExportKinds, type ExportQueue, type ExportServices, type ExportStore, type LocalExportStore } from '@parley/core';
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

/**
 * The export services of a process, assembled here only: the configured timings and every export kind (as the HTTP side knows it),
 * with the store and the queue the process runs (SQS, or the local server's in-process queue).
 */
export function exportServicesFor(cfg: ExportsConfig, parts: { queue: ExportQueue; store: ExportStore; publicUrl: string | undefined }): ExportServices {
  return {
    queue: parts.queue,
    store: parts.store,
    kinds: EXPORT_KIND_INFOS,
    waitMs: cfg.waitMs,
    linkTtlSeconds: cfg.linkTtlSeconds,
    maxReceives: cfg.maxReceives,
    publicUrl: parts.publicUrl,
  };
}

/** What an export worker of this configuration runs with: the store, every export kind, the lease and the receives. */
export function exportWorkerSettingsFor(cfg: ExportsConfig, store: ExportStore): { store: ExportStore; kinds: ExportKinds; leaseSeconds: number; maxReceives: number } {
  return { store, kinds: EXPORT_KINDS, leaseSeconds: cfg.leaseSeconds, maxReceives: cfg.maxReceives };
}

export function sqsExportQueueFor(cfg: ExportsConfig): ExportQueue | undefined {
  return cfg.queueUrl ? createSqsExportQueue({ queueUrl: cfg.queueUrl, region: cfg.region, endpoint: cfg.sqsEndpoint }) : undefined;
}
