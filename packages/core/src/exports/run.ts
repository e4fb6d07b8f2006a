import { claimExportJob, completeExportJob, type DbHandle, type ExportJobRecord, findExportJobById, isDatabaseUnavailable, recordExportProgress, releaseExportJob } from '@parley/db';
import { AppError } from '../errors.js';
import { recordEvent } from '../events/log.js';
import { exportEvent } from './events.js';
import type { ExportKindInfos, ExportKinds } from './jobs.js';
import type { ExportServices, ExportStore } from './ports.js';

// The worker side of every export: claim the job, have its kind write the file into the store, record
// the outcome. Which kinds exist is the caller's to say (export-kinds.ts holds the registry).

export interface ExportJobView {
  job: ExportJobRecord;
  /** For a completed job: a freshly signed link and when it expires. */
  download: { url: string; expiresAt: Date } | null;
}

/** The file's name as the browser saves it, as the job's kind names it. */
export function exportFilename(kinds: ExportKindInfos, job: ExportJobRecord): string {
  return kinds[job.kind]?.filename(job) ?? `export-${job.id.slice(0, 8)}.csv`;
}

/** A job and, when it is completed, a download link valid for `linkTtlSeconds`. */
export async function viewExportJob(services: Pick<ExportServices, 'store' | 'linkTtlSeconds' | 'kinds'>, job: ExportJobRecord): Promise<ExportJobView> {
  if (job.status !== 'completed' || !job.objectKey) return { job, download: null };
  const expiresAt = new Date(Date.now() + services.linkTtlSeconds * 1000);
  const url = await services.store.downloadUrl(job.objectKey, { filename: exportFilename(services.kinds, job), expiresInSeconds: services.linkTtlSeconds });
  return { job, download: { url, expiresAt } };
}

export interface ExportRunDeps {
  /** The database handle: its Kysely instance and its COPY. */
  handle: Pick<DbHandle, 'db' | 'copyCsv'>;
  store: ExportStore;
  leaseSeconds: number;
  /** The kinds this worker runs: EXPORT_KINDS (export-kinds.ts), or stand-ins for a kind's source in tests. */
  kinds: ExportKinds;
  /** Told of each file this run completed (the worker's metrics). */
  onCompleted?: (file: { kind: string; rowCount: number; byteCount: number }) => void;
  /** Where a failed run's full error goes (the job keeps a plain reason only); nowhere unless given. */
  log?: (entry: Record<string, unknown>) => void;
  /** How often a running job records the rows written so far (its status shows them); 2 s unless given. */
  progressIntervalMs?: number;
}

/** How often a running export records its progress by default: one small UPDATE per interval. */
export const EXPORT_PROGRESS_INTERVAL_MS = 2_000;

/**
 * What became of a delivery: `completed` (this run wrote the file), `done` (nothing left to do: finished
 * already, or unknown), `busy` (another run holds a live lease), `retry` (this run failed, the job is
 * queued again), `failed` (this run failed on the last delivery; the job is failed for good).
 */
export type ExportRunOutcome = 'completed' | 'done' | 'busy' | 'retry' | 'failed';

export function objectKeyOf(job: ExportJobRecord): string {
  return `exports/${job.workspaceId}/${job.id}.csv`;
}

/** Runs one delivery of a job id. `final` when the queue will not deliver the message again. */
export async function runExportJob(deps: ExportRunDeps, jobId: string, delivery: { final: boolean }): Promise<ExportRunOutcome> {
  const db = deps.handle.db;
  const job = await claimExportJob(db, jobId, deps.leaseSeconds);
  if (!job) {
    const current = await findExportJobById(db, jobId);
    if (!current || current.status === 'completed' || current.status === 'failed') return 'done';
    return 'busy';
  }
  // Whether the failure was the store's: a source that fails mid-stream surfaces through the upload too.
  let storing = false;
  let sourceFailed = false;
  try {
    const kind = deps.kinds[job.kind];
    if (!kind) throw new Error(`unknown export kind ${job.kind}`);
    const file = await kind.produce(deps.handle, job);
    file.body.once('error', () => (sourceFailed = true));
    const key = objectKeyOf(job);
    storing = true;
    // While the file is written, its rows so far go to the job now and then (only while this run holds it).
    let recorded = -1;
    const progress = file.rowsSoFar
      ? setInterval(() => {
          const rows = file.rowsSoFar!();
          if (rows === recorded) return;
          recorded = rows;
          recordExportProgress(db, job.id, job.attempts, rows).catch(() => {});
        }, deps.progressIntervalMs ?? EXPORT_PROGRESS_INTERVAL_MS)
      : undefined;
    try {
      await deps.store.upload(key, file.body, 'text/csv; charset=utf-8');
    } finally {
      clearInterval(progress);
    }
    storing = false;
    const rowCount = file.rowCount();
    if (rowCount === undefined) throw new Error('the export reported no row count');
    const byteCount = file.byteCount();
    // The job and its export.completed event commit together. None when the lease ran out and another
    // run took the job: that run's outcome stands.
    const completed = await db.transaction().execute(async (trx) => {
      const done = await completeExportJob(trx, job.id, job.attempts, { rowCount, byteCount, objectKey: key });
      if (done) await recordEvent(trx, exportEvent(deps.kinds, 'export.completed', done));
      return done;
    });
    if (!completed) return 'done';
    deps.onCompleted?.({ kind: job.kind, rowCount, byteCount });
    return 'completed';
  } catch (err) {
    deps.log?.({ level: 'error', message: 'export run failed', jobId: job.id, attempt: job.attempts, error: String(err) });
    const reason = failureReason(err, storing && !sourceFailed);
    // A job failed for good commits with its export.failed event.
    const released = await db
      .transaction()
      .execute(async (trx) => {
        const row = await releaseExportJob(trx, job.id, job.attempts, {
          error: `Attempt ${job.attempts} failed: ${reason}${delivery.final ? '' : '; it will be retried'}`,
          final: delivery.final,
        });
        if (row?.status === 'failed') await recordEvent(trx, exportEvent(deps.kinds, 'export.failed', row));
        return row !== undefined;
      })
      .catch(() => undefined);
    // Not released because another run took over: its outcome stands. Not recorded at all (the database
    // failed too): the lease runs out and the next delivery takes the job.
    if (released === false) return 'done';
    return delivery.final ? 'failed' : 'retry';
  }
}

/**
 * Why a run failed, as its job tells the client: a plain reason. The error itself (a driver's or the
 * store's text, with internal addresses) goes to the log only.
 */
function failureReason(err: unknown, inStore: boolean): string {
  if (err instanceof AppError) return err.message;
  if (inStore) return 'the export could not be written to storage';
  return isDatabaseUnavailable(err) ? 'the database was unavailable' : "the export's rows could not be read";
}
