import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream';
import {
  CHAT_RULE_FIELDS,
  type ChatRuleNode,
  type ChatSort,
  claimExportJob,
  compileChatExportQuery,
  completeExportJob,
  createOrShareExportJob,
  type DbHandle,
  type Executor,
  type ExportJobRecord,
  failAbandonedExportJob,
  failExportJob,
  findExportJob,
  findExportJobById,
  releaseExportJob,
  type WorkspaceChatFilter,
} from '@parley/db';
import { type Principal, requireScope } from '../auth.js';
import { AppError } from '../errors.js';
import { buildChatFilter, seesAllChats, type WorkspaceChatQuery } from '../workspace-chats.js';
import { CsvLineEndings } from './csv-line-endings.js';
import type { ExportServices, ExportStore } from './ports.js';

// CSV exports of the v2 workspace chats: a request records a job and queues its id; the worker claims
// the job, streams the COPY output into the store and completes it. Every later export kind reuses this.

export const CHAT_EXPORT_KIND = 'workspace-chats';

/** What a chats export job remembers: the filter and sort as built at request time (with the caller's visibility). */
interface ChatExportParams {
  filter: WorkspaceChatFilter;
  sort: ChatSort;
}

/** JSON with sorted keys, so equal params hash equally. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/**
 * Records an export of the chats `query` selects (validated and authorized as the list is) and queues
 * it; an identical request of the same member while a job is queued or running shares that job.
 */
export async function requestChatExport(
  db: Executor,
  services: Pick<ExportServices, 'queue' | 'maxReceives'>,
  principal: Principal,
  query: WorkspaceChatQuery,
): Promise<{ job: ExportJobRecord; shared: boolean }> {
  const filter = buildChatFilter(principal, query);
  const params: ChatExportParams = { filter, sort: { field: query.sortBy, order: query.sortOrder } };
  const paramsJson = JSON.parse(canonicalJson(params)) as Record<string, unknown>;
  const paramsHash = createHash('sha256').update(canonicalJson(params)).digest('hex');
  const record = () =>
    createOrShareExportJob(db, { workspaceId: principal.workspaceId, kind: CHAT_EXPORT_KIND, requestedBy: principal.memberId, params: paramsJson, paramsHash });
  let { job, created } = await record();
  // A job whose last run died is no job to share: settle it as failed and start afresh.
  if (!created && (await settleAbandonedJob(db, job, services.maxReceives)).status === 'failed') ({ job, created } = await record());
  if (created) {
    try {
      await services.queue.send(job.id);
    } catch (err) {
      // Left queued, the job would be shared by every identical request and never run.
      await failExportJob(db, job.id, `The export could not be queued: ${reason(err)}`);
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

export interface ExportJobView {
  job: ExportJobRecord;
  /** For a completed job: a freshly signed link and when it expires. */
  download: { url: string; expiresAt: Date } | null;
}

/** The file's name as the browser saves it. */
export function exportFilename(job: ExportJobRecord): string {
  return `chats-export-${job.createdAt.toISOString().slice(0, 10)}-${job.id.slice(0, 8)}.csv`;
}

/** A job and, when it is completed, a download link valid for `linkTtlSeconds`. */
export async function viewExportJob(services: Pick<ExportServices, 'store' | 'linkTtlSeconds'>, job: ExportJobRecord): Promise<ExportJobView> {
  if (job.status !== 'completed' || !job.objectKey) return { job, download: null };
  const expiresAt = new Date(Date.now() + services.linkTtlSeconds * 1000);
  const url = await services.store.downloadUrl(job.objectKey, { filename: exportFilename(job), expiresInSeconds: services.linkTtlSeconds });
  return { job, download: { url, expiresAt } };
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

/** An export job of the caller's workspace: the requester's own, or any for callers who see all chats. */
export async function findChatExportJob(
  db: Executor,
  services: Pick<ExportServices, 'maxReceives'>,
  principal: Principal,
  jobId: string,
): Promise<ExportJobRecord> {
  requireScope(principal, 'chats:read');
  const job = await findExportJob(db, principal.workspaceId, jobId);
  if (!job || job.kind !== CHAT_EXPORT_KIND || (job.requestedBy !== principal.memberId && !seesAllChats(principal))) throw AppError.notFound('Export');
  return settleAbandonedJob(db, job, services.maxReceives);
}

// ---- The worker side ----

const TIME_FIELDS = new Set(Object.entries(CHAT_RULE_FIELDS).filter(([, spec]) => spec.kind === 'time').map(([name]) => name));

/** Times come back from the job's JSON as strings; rules expect Dates. */
function reviveRules(node: ChatRuleNode): ChatRuleNode {
  if ('all' in node) return { all: node.all.map(reviveRules) };
  if ('any' in node) return { any: node.any.map(reviveRules) };
  if (!TIME_FIELDS.has(node.field)) return node;
  const value = Array.isArray(node.value) ? (node.value as unknown[]).map((v) => new Date(String(v))) : new Date(String(node.value));
  return { ...node, value: value as never };
}

function chatExportParams(job: ExportJobRecord): ChatExportParams {
  const params = job.params as unknown as ChatExportParams;
  return { sort: params.sort, filter: { ...params.filter, rules: params.filter.rules ? reviveRules(params.filter.rules) : undefined } };
}

export interface ExportRunDeps {
  /** The database handle: its Kysely instance and its COPY. */
  handle: Pick<DbHandle, 'db' | 'copyCsv'>;
  store: ExportStore;
  leaseSeconds: number;
}

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
  try {
    if (job.kind !== CHAT_EXPORT_KIND) throw new Error(`unknown export kind ${job.kind}`);
    const { filter, sort } = chatExportParams(job);
    const copy = await deps.handle.copyCsv(compileChatExportQuery(db, filter, sort));
    const csv = new CsvLineEndings();
    // Errors of the COPY reach the upload through the transform, which fails and aborts it.
    pipeline(copy.stream, csv, () => {});
    const key = objectKeyOf(job);
    await deps.store.upload(key, csv, 'text/csv; charset=utf-8');
    const rowCount = copy.rowCount();
    if (rowCount === undefined) throw new Error('COPY reported no row count');
    // False when the lease ran out and another run took the job: that run's outcome stands.
    return (await completeExportJob(db, job.id, job.attempts, { rowCount, byteCount: csv.bytes, objectKey: key })) ? 'completed' : 'done';
  } catch (err) {
    const released = await releaseExportJob(db, job.id, job.attempts, {
      error: `Attempt ${job.attempts} failed: ${reason(err)}`,
      final: delivery.final,
    }).catch(() => undefined);
    // Not released because another run took over: its outcome stands. Not recorded at all (the database
    // failed too): the lease runs out and the next delivery takes the job.
    if (released === false) return 'done';
    return delivery.final ? 'failed' : 'retry';
  }
}

function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}
