import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  createOrShareExportJob,
  type DbHandle,
  type Executor,
  type ExportJobRecord,
  failAbandonedExportJob,
  failExportJob,
  findExportJobById,
  listUnfinishedExportJobs,
  requeueExpiredExportJob,
} from '@parley/db';
import { AppError } from '../errors.js';
import { recordEvent, withinTransaction } from '../events/log.js';
import { exportEvent } from './events.js';
import { canonicalJson } from '../input.js';
import type { ExportServices } from './ports.js';

// What every export kind shares: recording a job (or sharing an identical one) and queueing it, waiting
// for it, and settling a job whose worker died. Each kind (chat-exports.ts, statistics/export.ts) adds
// its params, its visibility rules and how its file is written (an ExportKind, run by run.ts).

/** A finished file, streamed: its bytes and, once the stream has ended, its counts. */
export interface ExportFile {
  /** The CSV, ready to store: RFC 4180, CRLF record ends, UTF-8. */
  body: Readable;
  /** Data rows (the header not counted); undefined if the source could not say. */
  rowCount(): number | undefined;
  byteCount(): number;
  /** Data rows written so far, while the body is read (the job's progress); absent if the source cannot say. */
  rowsSoFar?(): number;
}

/** What the HTTP side knows of an export kind: where its status is read, and its file's name. */
export interface ExportKindInfo {
  /** The path of the kind's status endpoint for the job (its events name it). */
  statusPath(job: ExportJobRecord): string;
  /** The file's name as the browser saves it. */
  filename(job: ExportJobRecord): string;
}

/** One kind of export: where its status is read, and how the worker writes its file. */
export interface ExportKind extends ExportKindInfo {
  /** Starts writing the job's file; errors of the source surface through `body`. */
  produce(handle: Pick<DbHandle, 'db' | 'copyCsv'>, job: ExportJobRecord): Promise<ExportFile>;
}

/** The kinds a pipeline runs, by the name their jobs record (export-kinds.ts assembles them). */
export type ExportKinds = Readonly<Record<string, ExportKind>>;

/** The kinds as the HTTP side knows them (EXPORT_KIND_INFOS), without the code that writes their files. */
export type ExportKindInfos = Readonly<Record<string, ExportKindInfo>>;

/** `<prefix>-export-<day requested>-<first 8 of the id>.csv`. */
export function exportFilenameWith(prefix: string, job: ExportJobRecord): string {
  return `${prefix}-export-${job.createdAt.toISOString().slice(0, 10)}-${job.id.slice(0, 8)}.csv`;
}

/**
 * Records a job of `kind` with `params` and queues it; an identical request of the same member (same
 * kind, same params) while a job is queued or running shares that job instead.
 */
export async function recordExportJob(
  db: Executor,
  services: Pick<ExportServices, 'queue' | 'maxReceives' | 'kinds'>,
  input: { workspaceId: string; kind: string; requestedBy: number; params: object },
): Promise<{ job: ExportJobRecord; shared: boolean }> {
  const canonical = canonicalJson(input.params);
  const params = JSON.parse(canonical) as Record<string, unknown>;
  const paramsHash = createHash('sha256').update(canonical).digest('hex');
  const record = () => createOrShareExportJob(db, { workspaceId: input.workspaceId, kind: input.kind, requestedBy: input.requestedBy, params, paramsHash });
  let { job, created } = await record();
  // A job whose last run died is no job to share: settle it as failed and start afresh.
  if (!created && (await settleAbandonedJob(db, services, job)).status === 'failed') ({ job, created } = await record());
  // One whose run died with retries left goes back to the queue, so sharing never parks a request on a dead job.
  const requeued = !created && job.status === 'running' ? await requeueExpiredExportJob(db, job.id) : undefined;
  if (requeued) job = requeued;
  if (created || requeued) await sendExportJob(db, services, job.id);
  return { job, shared: !created };
}

/** Sends a queued job to the queue; a job that cannot be sent is failed, else it would wait for good. */
async function sendExportJob(db: Executor, services: Pick<ExportServices, 'queue' | 'kinds'>, jobId: string): Promise<void> {
  try {
    await services.queue.send(jobId);
  } catch (err) {
    // Left queued, the job would be shared by every identical request and never run. The queue's own
    // error (its address among it) reaches the log as the cause, not the job.
    await withinTransaction(db, async (trx) => {
      const failed = await failExportJob(trx, jobId, 'The export could not be queued');
      if (failed) await recordEvent(trx, exportEvent(services.kinds, 'export.failed', failed));
    });
    throw new AppError('internal', 'The export could not be queued; try again', { cause: err });
  }
}

/**
 * For a queue that keeps its messages in memory (the local server's): sends again the unfinished jobs
 * it has no message for, which a restart or a message given up on left behind. Queued jobs are sent;
 * running ones once their lease has run out (their run died), or failed if that run was the last
 * permitted. Jobs whose lease is live are left to their run. Returns the ids sent.
 */
export async function resendStrandedExportJobs(
  db: Executor,
  services: Pick<ExportServices, 'queue' | 'maxReceives' | 'kinds'>,
  hasMessage: (jobId: string) => boolean,
): Promise<string[]> {
  const sent: string[] = [];
  for (const job of await listUnfinishedExportJobs(db)) {
    if (hasMessage(job.id)) continue;
    let queued = job.status === 'queued';
    if (!queued && (await settleAbandonedJob(db, services, job)).status === 'running') queued = (await requeueExpiredExportJob(db, job.id)) !== undefined;
    if (!queued) continue;
    await services.queue.send(job.id);
    sent.push(job.id);
  }
  return sent;
}

const POLL_MS = 100;

/** The job once it is completed or failed, or as it is after `waitMs`. */
export async function awaitExportJob(db: Executor, job: ExportJobRecord, waitMs: number): Promise<ExportJobRecord> {
  const deadline = Date.now() + waitMs;
  let current = job;
  while (current.status !== 'completed' && current.status !== 'failed' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, Math.min(POLL_MS, Math.max(0, deadline - Date.now()))));
    current = (await findExportJobById(db, job.id)) ?? current;
  }
  return current;
}

/**
 * The job as it stands, with one correction: if its last permitted run stopped without recording an
 * outcome (the worker timed out or crashed; SQS then dead-letters the message), it is failed now.
 */
export async function settleAbandonedJob(db: Executor, services: Pick<ExportServices, 'maxReceives' | 'kinds'>, job: ExportJobRecord): Promise<ExportJobRecord> {
  const { maxReceives } = services;
  if (job.status !== 'running' || job.attempts < maxReceives) return job;
  const failed = await withinTransaction(db, async (trx) => {
    const settled = await failAbandonedExportJob(trx, job.id, maxReceives, `Attempt ${job.attempts} stopped without finishing (the worker timed out or crashed) and no retry is left`);
    if (settled) await recordEvent(trx, exportEvent(services.kinds, 'export.failed', settled));
    return settled;
  });
  return failed ?? job;
}
