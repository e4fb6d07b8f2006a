import { pipeline } from 'node:stream';
import {
  CHAT_RULE_FIELDS,
  type ChatRuleNode,
  type ChatSort,
  compileChatExportQuery,
  type Executor,
  type ExportJobRecord,
  findExportJob,
  type MemberRef,
  type WorkspaceChatFilter,
} from '@parley/db';
import type { Principal } from '../auth.js';
import { AppError } from '../errors.js';
import { exportJobReach } from '../policy.js';
import { buildChatFilter, type WorkspaceChatQuery } from '../chats/workspace.js';
import { CsvLineEndings } from './csv-line-endings.js';
import { type ExportKind, exportFilenameWith, recordExportJob, settleAbandonedJob } from './jobs.js';
import type { ExportServices } from './ports.js';

// CSV exports of the v2 workspace chats: a request records a job and queues its id (jobs.ts); the
// worker (run.ts) claims the job and streams this kind's COPY output into the store.

export const CHAT_EXPORT_KIND = 'workspace-chats';

/** What a chats export job remembers: the filter and sort as built at request time (with the caller's reach). */
interface ChatExportParams {
  filter: WorkspaceChatFilter;
  sort: ChatSort;
}

/**
 * Records an export of the chats `query` selects (validated and authorized as the list is) and queues
 * it; an identical request of the same member while a job is queued or running shares that job.
 */
export async function requestChatExport(
  db: Executor,
  services: Pick<ExportServices, 'queue' | 'maxReceives' | 'kinds'>,
  principal: Principal,
  query: WorkspaceChatQuery,
): Promise<{ job: ExportJobRecord; shared: boolean }> {
  const filter = buildChatFilter(principal, query);
  const params: ChatExportParams = { filter, sort: { field: query.sortBy, order: query.sortOrder } };
  return recordExportJob(db, services, { workspaceId: principal.workspaceId, kind: CHAT_EXPORT_KIND, requestedBy: principal.memberId, params });
}

/** A chats export job within the caller's reach (policy.ts): the requester's own, or any with full reach. */
export async function findChatExportJob(
  db: Executor,
  services: Pick<ExportServices, 'maxReceives' | 'kinds'>,
  principal: Principal,
  jobId: string,
): Promise<ExportJobRecord> {
  const job = await findExportJob(db, exportJobReach(principal), jobId);
  if (!job || job.kind !== CHAT_EXPORT_KIND) throw AppError.notFound('Export');
  return settleAbandonedJob(db, services, job);
}

// ---- The worker side ----

const TIME_FIELDS = new Set(Object.entries(CHAT_RULE_FIELDS).filter(([, spec]) => spec.kind === 'time').map(([name]) => name));

/** Times come back from the job's JSON as strings; rules expect Dates. */
function reviveRules(node: ChatRuleNode): ChatRuleNode {
  if ('all' in node) return { all: node.all.map(reviveRules) };
  if ('any' in node) return { any: node.any.map(reviveRules) };
  if (!TIME_FIELDS.has(node.field) || node.op === 'is_null') return node;
  const value = Array.isArray(node.value) ? (node.value as unknown[]).map((v) => new Date(String(v))) : new Date(String(node.value));
  return { ...node, value: value as never };
}

/** A job recorded before reaches named its workspace and member as `workspaceId` and `visibleTo`. */
type LegacyChatFilter = Partial<WorkspaceChatFilter> & { workspaceId?: string; visibleTo?: MemberRef };

function chatExportParams(job: ExportJobRecord): ChatExportParams {
  const params = job.params as unknown as { filter: LegacyChatFilter; sort: ChatSort };
  // Such a job's requester is not known to hold chats:admin, so its anonymous chats stay out.
  const reach = params.filter.reach ?? { workspaceId: job.workspaceId, member: params.filter.visibleTo ?? null, anonymous: false };
  const rules = params.filter.rules ? reviveRules(params.filter.rules) : undefined;
  // `search` is its own filter since the search documents; a job recorded before carries it inside its rules.
  const search = typeof params.filter.search === 'string' && params.filter.search ? params.filter.search : undefined;
  return { sort: params.sort, filter: { reach, rules, search } };
}

/** The chats kind: the export's SELECT through COPY, its LF record ends made CRLF on the way. */
export const chatExportKind: ExportKind = {
  statusPath: (job) => `/api/v2/w/${job.workspaceId}/chats/exports/${job.id}`,
  filename: (job) => exportFilenameWith('chats', job),
  async produce(handle, job) {
    const { filter, sort } = chatExportParams(job);
    const copy = await handle.copyCsv(compileChatExportQuery(handle.db, filter, sort));
    const csv = new CsvLineEndings();
    // Errors of the COPY reach the upload through the transform, which fails and aborts it.
    pipeline(copy.stream, csv, () => {});
    return { body: csv, rowCount: () => copy.rowCount(), byteCount: () => csv.bytes, rowsSoFar: () => Math.max(0, csv.records - 1) };
  },
};
