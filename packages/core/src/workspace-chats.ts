import {
  CHAT_SORT_FIELDS,
  type ChannelType,
  type ChatCursor,
  type ChatRule,
  type ChatRuleNode,
  type ChatSort,
  type ChatType,
  countChatsCreatedByLocalDay,
  type DailyCreationRow,
  type Executor,
  findWorkspace,
  listChatNumbersNeedingResponse,
  listToolCallNames,
  listWorkspaceChats as listWorkspaceChatRows,
  type WorkspaceChatFilter,
  type WorkspaceChatRecord,
} from '@parley/db';
import type { Principal } from './auth.js';
import { parseChatRules } from './chat-rules.js';
import { decodeCursor, encodeCursor, isCursorText, isRowNumber, isTimestampText } from './cursors.js';
import { AppError } from './errors.js';
import { authorizeAnonymousFilter, chatReach } from './policy.js';

// The v2 workspace chats (seed 000): chats addressed by their integer id under /api/v2/w/{workspace_uuid},
// within the caller's reach (policy.ts).

/** The list and export filters of seed 000, parsed; every one optional. */
export interface WorkspaceChatQuery {
  sortBy: ChatSort['field'];
  sortOrder: ChatSort['order'];
  mine?: boolean;
  archived?: boolean;
  needsResponse?: boolean;
  paused?: boolean;
  channel: ChannelType[];
  chatType: ChatType[];
  memberId?: number;
  assistantMemberId?: number;
  search?: string;
  /** The raw JSON of the rule tree. */
  filters?: string;
  isTest?: boolean;
  isAnonymous?: boolean;
  createdAfter?: Date;
  createdBefore?: Date;
}

/**
 * The one filter every v2 chats query uses: the caller's reach, then each parameter as a rule,
 * and-ed with the `filters` tree. The list, the export and the statistics all build it here.
 */
export function buildChatFilter(principal: Principal, query: Omit<WorkspaceChatQuery, 'sortBy' | 'sortOrder'>): WorkspaceChatFilter {
  // Leaving anonymous chats out (false) needs no more than chats:read: without chats:admin they are out anyway.
  if (query.isAnonymous === true) authorizeAnonymousFilter(principal, 'Filtering to anonymous chats (isAnonymous=true)');
  const rules: ChatRuleNode[] = [];
  const rule = (field: ChatRule['field'], op: ChatRule['op'], value: ChatRule['value']) => rules.push({ field, op, value });
  if (query.mine) rule('memberId', 'eq', principal.memberId);
  if (query.archived !== undefined) rule('archived', 'eq', query.archived);
  if (query.needsResponse !== undefined) rule('needsResponse', 'eq', query.needsResponse);
  if (query.paused !== undefined) rule('paused', 'eq', query.paused);
  if (query.isTest !== undefined) rule('isTest', 'eq', query.isTest);
  if (query.isAnonymous !== undefined) rule('anonymous', 'eq', query.isAnonymous);
  if (query.channel.length) rule('channel', 'in', query.channel);
  if (query.chatType.length) rule('chatType', 'in', query.chatType);
  if (query.memberId !== undefined) rule('memberId', 'eq', query.memberId);
  if (query.assistantMemberId !== undefined) rule('assistantMemberId', 'eq', query.assistantMemberId);
  if (query.createdAfter) rule('createdAt', 'gte', query.createdAfter);
  if (query.createdBefore) rule('createdAt', 'lte', query.createdBefore);
  if (query.filters) {
    const tree = parseChatRules(query.filters);
    if (mentionsAnonymous(tree)) authorizeAnonymousFilter(principal, 'Filtering on the anonymous field');
    rules.push(tree);
  }
  return { reach: chatReach(principal), rules: rules.length ? { all: rules } : undefined, search: query.search || undefined };
}

function mentionsAnonymous(node: ChatRuleNode): boolean {
  if ('all' in node) return node.all.some(mentionsAnonymous);
  if ('any' in node) return node.any.some(mentionsAnonymous);
  return node.field === 'anonymous';
}

/** Deep pages go by cursor; offsets beyond this many rows are refused. */
export const MAX_LIST_OFFSET = 10_000;

interface CursorPayload {
  s: ChatSort['field'];
  o: ChatSort['order'];
  v: string | null;
  n: number;
}

// The sort value is the column as Postgres prints it (text), so timestamps keep their microseconds.
const TIME_SORTS: ReadonlySet<string> = new Set(['createdAt', 'updatedAt', 'lastMessageAt']);

function cursorShape(position: unknown): CursorPayload | undefined {
  if (typeof position !== 'object' || position === null) return undefined;
  const { s, o, v, n } = position as Record<string, unknown>;
  if (typeof s !== 'string' || !(CHAT_SORT_FIELDS as readonly string[]).includes(s) || (o !== 'asc' && o !== 'desc') || !isRowNumber(n)) return undefined;
  if (v !== null && !(TIME_SORTS.has(s) ? isTimestampText(v) : isCursorText(v))) return undefined;
  return { s: s as ChatSort['field'], o, v: v as string | null, n };
}

function encodeListCursor(principal: Principal, sort: ChatSort, record: WorkspaceChatRecord): string {
  const payload: CursorPayload = { s: sort.field, o: sort.order, v: record.sortValue, n: record.number };
  return encodeCursor(principal.workspaceSecret, 'workspace-chats', payload);
}

function decodeListCursor(principal: Principal, cursor: string, sort: ChatSort): ChatCursor {
  const payload = decodeCursor(principal.workspaceSecret, 'workspace-chats', cursor, 'query.cursor', cursorShape);
  if (payload.s !== sort.field || payload.o !== sort.order) {
    const message = 'was issued for another sortBy or sortOrder; keep them unchanged while paging';
    throw new AppError('validation_failed', `Invalid cursor: ${message}`, { issues: [{ path: 'query.cursor', message }] });
  }
  return { value: payload.v, number: payload.n };
}

export interface WorkspaceChatPage {
  items: WorkspaceChatRecord[];
  hasMore: boolean;
  nextCursor: string | null;
}

export async function listWorkspaceChats(
  db: Executor,
  principal: Principal,
  query: WorkspaceChatQuery & { page: number; pageSize: number; cursor?: string },
): Promise<WorkspaceChatPage> {
  const filter = buildChatFilter(principal, query);
  const sort: ChatSort = { field: query.sortBy, order: query.sortOrder };
  const offset = (query.page - 1) * query.pageSize;
  if (query.cursor && query.page !== 1) {
    throw new AppError('validation_failed', 'Send either cursor or page, not both', { issues: [{ path: 'query.page', message: 'must be 1 (or absent) with a cursor' }] });
  }
  if (offset > MAX_LIST_OFFSET) {
    throw new AppError('validation_failed', `Pages beyond the first ${MAX_LIST_OFFSET} chats are reached with the cursor`, {
      issues: [{ path: 'query.page', message: `skips ${offset} chats; follow nextCursor instead` }],
    });
  }
  const cursor = query.cursor ? decodeListCursor(principal, query.cursor, sort) : undefined;
  const page = await listWorkspaceChatRows(db, filter, sort, { offset: cursor ? 0 : offset, limit: query.pageSize, cursor });
  const last = page.items.at(-1);
  return { ...page, nextCursor: page.hasMore && last ? encodeListCursor(principal, sort, last) : null };
}

/** Integer ids of the chats within the caller's reach waiting for an answer. */
export async function chatsNeedingResponse(db: Executor, principal: Principal): Promise<number[]> {
  return listChatNumbersNeedingResponse(db, { reach: chatReach(principal) });
}

export const DAILY_CREATION_DAYS = 30;

/** Chats created per local day in the workspace's time zone, the last 30 days (today included). */
export async function dailyChatCreation(
  db: Executor,
  principal: Principal,
  query: { archived?: boolean; isTest?: boolean; now?: Date },
): Promise<DailyCreationRow[]> {
  const workspace = await findWorkspace(db, principal.workspaceId);
  if (!workspace) throw AppError.notFound('Workspace');
  // The seed's defaults: archived and test chats are left out unless asked for.
  const rules: ChatRuleNode[] = [
    { field: 'archived', op: 'eq', value: query.archived ?? false },
    { field: 'isTest', op: 'eq', value: query.isTest ?? false },
  ];
  return countChatsCreatedByLocalDay(
    db,
    { reach: chatReach(principal), rules: { all: rules } },
    { timeZone: workspace.timeZone, days: DAILY_CREATION_DAYS, now: query.now },
  );
}

export async function toolCallNames(db: Executor, principal: Principal): Promise<string[]> {
  return listToolCallNames(db, { reach: chatReach(principal) });
}
