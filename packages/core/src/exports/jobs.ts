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
} from '@parley/db';
import { AppError } from '../errors.js';
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
}

/** How the worker writes one kind of export. */
export interface ExportKind {
  /** The file's name as the browser saves it. */
  filename(job: ExportJobRecord): string;
  /** Starts writing the job's file; errors of the source surface through `body`. */
  produce(handle: Pick<DbHandle, 'db' | 'copyCsv'>, job: ExportJobRecord): Promise<ExportFile>;
}

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
  services: Pick<ExportServices, 'queue' | 'maxReceives'>,
  input: { workspaceId: string; kind: string; requestedBy: number; params: object },
): Promise<{ job: ExportJobRecord; shared: boolean }> {
  const canonical = canonicalJson(input.params);
  const params = JSON.parse(canonical) as Record<string, unknown>;
  const paramsHash = createHash('sha256').update(canonical).digest('hex');
  const record = () => createOrShareExportJob(db, { workspaceId: input.workspaceId, kind: input.kind, requestedBy: input.requestedBy, params, paramsHash });
  let { job, created } = await record();
  // A job whose last run died is no job to share: settle it as failed and start afresh.
  if (!created && (await settleAbandonedJob(db, job, services.maxReceives)).status === 'failed') ({ job, created } = await record());
  if (created) {
    try {
      await services.queue.send(job.id);
    } catch (err) {
      // Left queued, the job would be shared by every identical request and never run.
      await failExportJob(db, job.id, `The export could not be queued: ${errorReason(err)}`);
      throw new AppError('internal', 'The export could not be queued; try again', { cause: err });
    }
  }
  return { job, shared: !created };
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
export async function settleAbandonedJob(db: Executor, job: ExportJobRecord, maxReceives: number): Promise<ExportJobRecord> {
  if (job.status !== 'running' || job.attempts < maxReceives) return job;
  const failed = await failAbandonedExportJob(db, job.id, maxReceives, `Attempt ${job.attempts} stopped without finishing (the worker timed out or crashed) and no retry is left`);
  return failed ?? job;
}

/** An error as a job records it: its message, cut to 500 characters. */
export function errorReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}
