import { type ReportedAssistant, type Executor, type ExportJobRecord, findExportJob } from '@parley/db';
import type { Principal } from '../auth.js';
import { AppError } from '../errors.js';
import { withIdempotency } from '../idempotency.js';
import { csvStream } from '../exports/csv.js';
import { type ExportKind, type ExportKindInfo, exportFilenameWith, recordExportJob, settleAbandonedJob } from '../exports/jobs.js';
import type { ExportServices } from '../exports/ports.js';
import { exportJobReach } from '../policy.js';
import { isValidTimeZone } from '../workspaces.js';
import { MAX_BUCKETS, type ReportInterval } from './components.js';
import { type StatisticsExportParams, statisticsCsvRows } from './report.js';
import { localBuckets } from './time.js';

// Statistics exports (tag Statistics of /openapi.json): the request records a job of kind `statistics` through the shared
// export pipeline; the worker writes the rows of statisticsCsvRows as CSV.

export const STATISTICS_EXPORT_KIND = 'statistics';

/** An export request as the HTTP layer parsed it. */
export interface StatisticsExportQuery {
  from: Date;
  to: Date;
  interval: ReportInterval;
  /** An IANA zone; the workspace's when absent. */
  timezone?: string;
}

/** The period as a report checks it: `to` not before `from`, at most MAX_BUCKETS local buckets of the interval. */
function checkExportPeriod(query: StatisticsExportQuery, zone: string): void {
  if (query.to.getTime() < query.from.getTime()) throw AppError.invalid('query.to', 'must not be before from');
  localBuckets(zone, query.interval, query.from, query.to, MAX_BUCKETS[query.interval]);
}

/**
 * Records an export of the assistant's statistics over the period and queues it.
 * The job keeps the zone it was asked in (the workspace's when none was named), so a later change of
 * the workspace's zone does not change a queued file; an identical request shares a queued job.
 */
export async function requestStatisticsExport(
  db: Executor,
  services: Pick<ExportServices, 'queue' | 'maxReceives' | 'kinds'>,
  principal: Principal,
  assistant: ReportedAssistant,
  query: StatisticsExportQuery,
  idempotencyKey?: string,
): Promise<{ job: ExportJobRecord; shared: boolean; replayed: boolean }> {
  const timezone = query.timezone ?? assistant.timeZone;
  if (!isValidTimeZone(timezone)) throw AppError.invalid('query.timezone', 'is not a known IANA time zone, e.g. Europe/Berlin');
  checkExportPeriod(query, timezone);
  const params: StatisticsExportParams = { chatbotId: assistant.id, from: query.from.toISOString(), to: query.to.toISOString(), interval: query.interval, timezone };
  // With an Idempotency-Key the outcome kept is the job's id: a replay answers that job as it is now
  // (running, completed...), even after it finished, when an identical request without a key would start another.
  let recorded = undefined as { job: ExportJobRecord; shared: boolean } | undefined;
  const scope = { principal, key: idempotencyKey, operation: `statistics-export:${assistant.id}`, request: params };
  const { value, replayed } = await withIdempotency(db, scope, (stored) => stored as { jobId: string }, async () => {
    recorded = await recordExportJob(db, services, { workspaceId: principal.workspaceId, kind: STATISTICS_EXPORT_KIND, requestedBy: principal.memberId, params });
    return { ok: true, value: { jobId: recorded.job.id } };
  });
  if (recorded) return { ...recorded, replayed: false };
  const job = await findExportJob(db, exportJobReach(principal), value.jobId);
  if (!job) throw AppError.notFound('Export');
  return { job: await settleAbandonedJob(db, services, job), shared: true, replayed };
}

/** A statistics export of the assistant within the caller's reach (policy.ts): the requester's own, or any with full reach. */
export async function findStatisticsExportJob(
  db: Executor,
  services: Pick<ExportServices, 'maxReceives' | 'kinds'>,
  principal: Principal,
  assistant: ReportedAssistant,
  jobId: string,
): Promise<ExportJobRecord> {
  const job = await findExportJob(db, exportJobReach(principal), jobId);
  if (!job || job.kind !== STATISTICS_EXPORT_KIND || job.params.chatbotId !== assistant.id) throw AppError.notFound('Export');
  return settleAbandonedJob(db, services, job);
}

/** Where a statistics export's rows come from: statisticsCsvRows, or a stand-in in tests. */
export type StatisticsRowsSource = (db: Executor, workspaceId: string, params: StatisticsExportParams) => Promise<string[][]>;

// The statistics group's contract calls the assistant a chatbot (docs/glossary.md).
const statisticsExportStatusPath = (job: ExportJobRecord) => `/v1/chatbots/${String(job.params.chatbotId)}/statistics/export/${job.id}`;
const statisticsExportFilename = (job: ExportJobRecord) => exportFilenameWith('statistics', job);

/** The statistics kind as the HTTP side knows it (EXPORT_KIND_INFOS), without the report code that writes its rows. */
export const statisticsExportKindInfo: ExportKindInfo = { statusPath: statisticsExportStatusPath, filename: statisticsExportFilename };

/** The statistics kind: the rows, computed whole, written as CSV in TypeScript. */
export function statisticsExportKind(rows: StatisticsRowsSource = statisticsCsvRows): ExportKind {
  return {
    statusPath: statisticsExportStatusPath,
    filename: statisticsExportFilename,
    async produce(handle, job) {
      const all = await rows(handle.db, job.workspaceId, job.params as unknown as StatisticsExportParams);
      const csv = csvStream(all);
      // The first row is the header.
      return { body: csv.body, rowCount: () => Math.max(0, all.length - 1), byteCount: csv.bytes };
    },
  };
}
