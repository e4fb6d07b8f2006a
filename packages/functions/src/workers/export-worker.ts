import { decodeExportMessage, type ExportKinds, type ExportRunOutcome, type ExportStore, runExportJob } from '@parley/core';
import type { DbHandle } from '@parley/db';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { exportStoreFor, exportWorkerSettingsFor } from '../shared/export-adapters.js';
import { lambdaDatabase } from '../shared/lambda-deps.js';
import { lambdaExportsConfig } from '../shared/lambda-export-deps.js';
import { emfSink, METRICS, type MetricsSink } from '../shared/metrics.js';

export interface ExportWorkerDeps {
  handle: () => Promise<Pick<DbHandle, 'db' | 'copyCsv'>>;
  store: ExportStore;
  leaseSeconds: number;
  /** The queue's maxReceiveCount: the delivery with this receive count is the last before the DLQ. */
  maxReceives: number;
  /** Where a line per delivery goes: JSON to the console (CloudWatch on Lambda) unless given. */
  log?: (entry: Record<string, unknown>) => void;
  /** The export kinds it runs: every kind of the registry (exportWorkerSettingsFor), or stand-ins in tests. */
  kinds: ExportKinds;
  /** Rows and duration of each completed export: CloudWatch EMF on the delivery's log line unless given. */
  metrics?: MetricsSink;
}

const consoleLog = (entry: Record<string, unknown>) => (entry.level === 'error' ? console.error : console.log)(JSON.stringify(entry));

/** Deliveries that must come back: the job is still to do, or (on the last one) should reach the DLQ. */
const RETRY: ReadonlySet<ExportRunOutcome> = new Set(['busy', 'retry', 'failed']);

/**
 * The export worker: one SQS handler for the Lambda subscriber (infra/queue.ts) and, locally, the
 * in-process queue. Each record names a job; a record that must be delivered again is reported in
 * `batchItemFailures` (partial batch response), the others are done.
 */
export function createExportWorker(deps: ExportWorkerDeps) {
  const log = deps.log ?? consoleLog;
  const metrics = deps.metrics ?? emfSink();
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const jobId = decodeExportMessage(record.body);
      if (!jobId) {
        // No delivery can make sense of it: drop it rather than retry it into the DLQ.
        log({ level: 'error', message: 'export message without a job id', messageId: record.messageId });
        continue;
      }
      const receives = Number(record.attributes?.ApproximateReceiveCount ?? '1');
      const final = receives >= deps.maxReceives;
      let outcome: ExportRunOutcome;
      let completed = undefined as { kind: string; rowCount: number } | undefined;
      const started = performance.now();
      try {
        const onCompleted = (file: { kind: string; rowCount: number }) => void (completed = file);
        outcome = await runExportJob({ handle: await deps.handle(), store: deps.store, leaseSeconds: deps.leaseSeconds, kinds: deps.kinds, log, onCompleted }, jobId, { final });
      } catch (err) {
        // The database is out of reach: the job was not claimed, or its lease will run out.
        log({ level: 'error', message: 'export delivery failed', jobId, error: String(err) });
        outcome = 'retry';
      }
      const durationMs = Math.round(performance.now() - started);
      const measured = completed
        ? { rows: completed.rowCount, ...metrics.record({ dimensions: { kind: completed.kind }, values: [[METRICS.exportRows, completed.rowCount], [METRICS.exportDuration, durationMs]] }) }
        : {};
      log({ level: 'info', message: 'export delivery', jobId, receives, outcome, durationMs, ...measured });
      if (RETRY.has(outcome)) batchItemFailures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures };
  };
}

let lambdaWorker: ReturnType<typeof createExportWorker> | undefined;

/** The Lambda subscriber of the exports queue; reads its bulk data over `pg` (DATABASE_DRIVER unset). */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  if (!lambdaWorker) {
    const cfg = lambdaExportsConfig();
    lambdaWorker = createExportWorker({ handle: lambdaDatabase.handle, ...exportWorkerSettingsFor(cfg, exportStoreFor(cfg)) });
  }
  return lambdaWorker(event);
};
