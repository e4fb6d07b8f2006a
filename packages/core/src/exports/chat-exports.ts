import { pipeline } from 'node:stream';
import {
  CHAT_RULE_FIELDS,
  type ChatReach,
  type ChatRule,
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
import { workspaceExportStatusPath } from './events.js';
import { type ExportKind, type ExportKindInfo, exportFilenameWith, recordExportJob, settleAbandonedJob } from './jobs.js';
import type { ExportServices } from './ports.js';

// CSV exports of the v2 workspace chats: a request records a job and queues its id (jobs.ts); the
// worker (run.ts) claims the job and streams this kind's COPY output into the store.

export const CHAT_EXPORT_KIND = 'workspace-chats';

/**
 * What a chats export job records in `export_jobs.params`: the filter and sort as built at request time,
 * with the caller's reach. A worker of a later release may read it, so the saved shape is spelled out
 * here and versioned rather than borrowed from the query builder's types: a change to it is a new version
 * with its own reading below. Times in rules are ISO strings once saved.
 */
interface SavedChatExportV1 {
  version: 1;
  reach: { workspaceId: string; member: { memberId: number; identityId: string } | null; anonymous: boolean };
  rules: SavedRule | null;
  search: string | null;
  sort: { field: ChatSort['field']; order: ChatSort['order'] };
}
type SavedRule = { field: string; op: string; value?: unknown } | { all: SavedRule[] } | { any: SavedRule[] };

/** The filter and sort a job's COPY runs with. */
interface ChatExportParams {
  filter: WorkspaceChatFilter;
  sort: ChatSort;
}

function savedChatExport(filter: WorkspaceChatFilter, sort: ChatSort): SavedChatExportV1 {
  const { workspaceId, member, anonymous } = filter.reach;
  return {
    version: 1,
    reach: { workspaceId, member: member && { memberId: member.memberId, identityId: member.identityId }, anonymous },
    rules: (filter.rules as SavedRule | undefined) ?? null,
    search: filter.search ?? null,
    sort: { field: sort.field, order: sort.order },
  };
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
  const params = savedChatExport(buildChatFilter(principal, query), { field: query.sortBy, order: query.sortOrder });
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
function reviveRules(saved: SavedRule): ChatRuleNode {
  if ('all' in saved) return { all: saved.all.map(reviveRules) };
  if ('any' in saved) return { any: saved.any.map(reviveRules) };
  const node = saved as ChatRule;
  if (!TIME_FIELDS.has(node.field) || node.op === 'is_null') return node;
  const value = Array.isArray(node.value) ? (node.value as unknown[]).map((v) => new Date(String(v))) : new Date(String(node.value));
  return { ...node, value: value as never };
}

/** Jobs recorded before the saved shape had a version: the filter as built, and before reaches, `workspaceId` and `visibleTo`. */
type UnversionedChatExport = { filter: { reach?: ChatReach; workspaceId?: string; visibleTo?: MemberRef; rules?: SavedRule; search?: unknown }; sort: ChatSort };

function chatExportParams(job: ExportJobRecord): ChatExportParams {
  const saved = job.params as unknown as SavedChatExportV1 | UnversionedChatExport;
  if ('version' in saved) {
    if (saved.version !== 1) throw new Error(`a chats export saved as version ${String(saved.version)}, which this release cannot read`);
    return { sort: saved.sort, filter: { reach: saved.reach, rules: saved.rules ? reviveRules(saved.rules) : undefined, search: saved.search ?? undefined } };
  }
  const params = saved as UnversionedChatExport;
  // A job from before reaches: its requester is not known to hold chats:admin, so its anonymous chats stay out.
  const reach = params.filter.reach ?? { workspaceId: job.workspaceId, member: params.filter.visibleTo ?? null, anonymous: false };
  const rules = params.filter.rules ? reviveRules(params.filter.rules) : undefined;
  // `search` is its own filter since the search documents; a job recorded before carries it inside its rules.
  const search = typeof params.filter.search === 'string' && params.filter.search ? params.filter.search : undefined;
  return { sort: params.sort, filter: { reach, rules, search } };
}

const chatExportFilename = (job: ExportJobRecord) => exportFilenameWith('chats', job);

/** The chats kind as the HTTP side knows it (EXPORT_KIND_INFOS): a bundle of the API loads none of the worker's code. */
export const chatExportKindInfo: ExportKindInfo = { statusPath: workspaceExportStatusPath, filename: chatExportFilename };

/** The chats kind: the export's SELECT through COPY, its LF record ends made CRLF on the way. */
export const chatExportKind: ExportKind = {
  statusPath: workspaceExportStatusPath,
  filename: chatExportFilename,
  async produce(handle, job) {
    const { filter, sort } = chatExportParams(job);
    const copy = await handle.copyCsv(compileChatExportQuery(handle.db, filter, sort));
    const csv = new CsvLineEndings();
    // Errors of the COPY reach the upload through the transform, which fails and aborts it.
    pipeline(copy.stream, csv, () => {});
    return { body: csv, rowCount: () => copy.rowCount(), byteCount: () => csv.bytes, rowsSoFar: () => Math.max(0, csv.records - 1) };
  },
};
