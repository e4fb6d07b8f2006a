import {
  CHAT_SORT_FIELDS,
  type ChannelType,
  type ChatCursor,
  type ChatRule,
  type ChatRuleNode,
  type ChatSort,
  type ChatType,
  countChatsCreatedByLocalDay,
  type ActionChatRecord,
  findActionChat,
  type DailyCreationRow,
  type Database,
  type Executor,
  findMember,
  findWorkspace,
  listChatNumbersNeedingResponse,
  listLabels,
  replaceChatLabels,
  updateChatFields,
  listToolCallNames,
  listWorkspaceChatRecords,
  type WorkspaceChatFilter,
  type WorkspaceChatRecord,
} from '@parley/db';
import type { Kysely } from 'kysely';
import type { Principal } from '../auth.js';
import { parseChatRules } from './rules.js';
import { cursorCodec, isCursorText, isOneOf, isRowNumber, isTimestampText, orNull } from '../cursors.js';
import { AppError } from '../errors.js';
import { chatEvent, type EventInput, recordEvents } from '../events/log.js';
import { authorizeAnonymousFilter, authorizeAssignment, chatReach } from '../policy.js';

// The v2 workspace chats (tag Workspace chats of /openapi.json): chats addressed by their integer id under /api/v2/w/{workspace_uuid},
// within the caller's reach (policy.ts).

/** The list and export filters of the v2 workspace chats, parsed; every one optional. */
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

// The sort value is the column as Postgres prints it (text), so timestamps keep their microseconds.
const TIME_SORTS: ReadonlySet<string> = new Set(['createdAt', 'updatedAt', 'lastMessageAt']);

/** A position: the sort and order it was issued for, the last chat's sort value (null for none) and its number. */
const listCursor = cursorCodec(
  'workspace-chats',
  { s: isOneOf(CHAT_SORT_FIELDS), o: isOneOf(['asc', 'desc']), v: orNull(isCursorText), n: isRowNumber },
  (p) => p.v === null || !TIME_SORTS.has(p.s) || isTimestampText(p.v),
);

function encodeListCursor(principal: Principal, sort: ChatSort, record: WorkspaceChatRecord): string {
  return listCursor.encode(principal.workspaceSecret, { s: sort.field, o: sort.order, v: record.sortValue, n: record.number });
}

function decodeListCursor(principal: Principal, cursor: string, sort: ChatSort): ChatCursor {
  const payload = listCursor.decode(principal.workspaceSecret, cursor, 'query.cursor');
  if (payload.s !== sort.field || payload.o !== sort.order) {
    const message = 'was issued for another sortBy or sortOrder; keep them unchanged while paging';
    throw AppError.invalid('query.cursor', message, `Invalid cursor: ${message}`);
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
    throw AppError.invalid('query.page', 'must be 1 (or absent) with a cursor', 'Send either cursor or page, not both');
  }
  if (offset > MAX_LIST_OFFSET) {
    throw AppError.invalid('query.page', `skips ${offset} chats; follow nextCursor instead`, `Pages beyond the first ${MAX_LIST_OFFSET} chats are reached with the cursor`);
  }
  const cursor = query.cursor ? decodeListCursor(principal, query.cursor, sort) : undefined;
  const page = await listWorkspaceChatRecords(db, filter, sort, { offset: cursor ? 0 : offset, limit: query.pageSize, cursor });
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
  // The documented defaults: archived and test chats are left out unless asked for.
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

// ---- one chat: read and change ----

/** The chat with integer id `chatNumber` within the caller's reach; 404 outside it. */
export async function getWorkspaceChat(db: Executor, principal: Principal, chatNumber: number): Promise<WorkspaceChatRecord> {
  const page = await listWorkspaceChatRecords(db, { reach: chatReach(principal), chatNumber }, { field: 'createdAt', order: 'desc' }, { offset: 0, limit: 1 });
  const chat = page.items[0];
  if (!chat) throw AppError.notFound('Chat');
  return chat;
}

/** What PUT (every field) and PATCH (some) change; absent fields are kept. */
export interface WorkspaceChatChanges {
  title?: string | null;
  summary?: string | null;
  /** Label names, matched case-insensitively against the workspace's definitions. */
  labels?: string[];
  archived?: boolean;
  paused?: boolean;
  muted?: boolean;
  needsResponse?: boolean;
  state?: 'OPEN' | 'SNOOZED' | 'CLOSED';
  assignedMemberId?: number | null;
}

/**
 * Changes a chat within the caller's reach under its row lock, so concurrent changes apply one after
 * the other and `precondition` (If-Match) sees the chat it changes. The assignee must be a user of the
 * workspace and the assignment allowed by the policy; labels must be label definitions of the workspace.
 */
export async function updateWorkspaceChat(
  db: Kysely<Database>,
  principal: Principal,
  chatNumber: number,
  changes: WorkspaceChatChanges,
  options: { precondition?: (current: WorkspaceChatRecord) => boolean } = {},
): Promise<WorkspaceChatRecord> {
  return db.transaction().execute(async (trx) => {
    const locked = await findActionChat(trx, chatReach(principal), chatNumber, { lock: true });
    if (!locked) throw AppError.notFound('Chat');
    const current = await getWorkspaceChat(trx, principal, chatNumber);
    if (options.precondition && !options.precondition(current)) {
      throw new AppError('precondition_failed', `Chat ${chatNumber} changed since it was read (If-Match does not match its ETag); read it again and retry`, {
        issues: [{ path: 'header.if-match', message: 'does not match the chat as it is now' }],
      });
    }
    if (changes.assignedMemberId !== undefined && changes.assignedMemberId !== current.assignedMemberId) {
      authorizeAssignment(principal, current.assignedMemberId, changes.assignedMemberId);
      if (changes.assignedMemberId !== null) {
        const member = await findMember(trx, principal.workspaceId, changes.assignedMemberId);
        if (!member) throw new AppError('not_found', 'Member not found', { issues: [{ path: 'body.assignedMemberId', message: 'is no member of this workspace' }] });
        if (member.kind !== 'user') {
          throw AppError.invalid('body.assignedMemberId', 'is an assistant', 'Chats are assigned to workspace users, not assistants');
        }
      }
    }
    let labelIds: string[] | undefined;
    if (changes.labels !== undefined) {
      const defined = new Map((await listLabels(trx, principal.workspaceId)).map((l) => [l.name.toLowerCase(), l.id]));
      const issues = changes.labels.flatMap((name, i) => (defined.has(name.toLowerCase()) ? [] : [{ path: `body.labels.${i}`, message: 'is not a label of this workspace' }]));
      if (issues.length) throw AppError.invalidAll(issues, `Unknown labels: ${issues.map((i) => changes.labels![Number(i.path.split('.').pop())]).join(', ')}`);
      labelIds = [...new Set(changes.labels.map((name) => defined.get(name.toLowerCase())!))];
    }
    await updateChatFields(trx, principal.workspaceId, locked.id, {
      title: changes.title,
      summary: changes.summary,
      isArchived: changes.archived,
      isPaused: changes.paused,
      isMuted: changes.muted,
      needsResponse: changes.needsResponse,
      state: changes.state,
      assignedMemberId: changes.assignedMemberId,
    });
    if (labelIds) await replaceChatLabels(trx, locked.id, labelIds);
    const updated = await getWorkspaceChat(trx, principal, chatNumber);
    await recordEvents(trx, changeEvents(principal.workspaceId, current, updated));
    return updated;
  });
}

/** The fields a change may touch, by the names the API gives them. */
const CHANGEABLE = {
  title: (c: WorkspaceChatRecord) => c.title,
  summary: (c: WorkspaceChatRecord) => c.summary,
  labels: (c: WorkspaceChatRecord) => c.labels,
  archived: (c: WorkspaceChatRecord) => c.isArchived,
  paused: (c: WorkspaceChatRecord) => c.isPaused,
  muted: (c: WorkspaceChatRecord) => c.isMuted,
  needsResponse: (c: WorkspaceChatRecord) => c.needsResponse,
  state: (c: WorkspaceChatRecord) => c.state,
  assignedMemberId: (c: WorkspaceChatRecord) => c.assignedMemberId,
} as const;

/** `chat.updated` with each field that changed (none: no event), and `chat.needs_response` when that flag flipped. */
export function changeEvents(workspaceId: string, before: WorkspaceChatRecord, after: WorkspaceChatRecord): EventInput[] {
  const changes: Record<string, unknown> = {};
  for (const [name, read] of Object.entries(CHANGEABLE)) {
    if (JSON.stringify(read(before)) !== JSON.stringify(read(after))) changes[name] = read(after);
  }
  if (Object.keys(changes).length === 0) return [];
  const ref = { workspaceId, id: after.id, number: after.number };
  const events = [chatEvent('chat.updated', ref, { changes })];
  if ('needsResponse' in changes) events.push(chatEvent('chat.needs_response', ref, { needsResponse: after.needsResponse }));
  return events;
}

/**
 * The live v2 chat with integer id `chatNumber` within the caller's reach (policy.ts), or a 404: every chat
 * action finds its chat here, so a chat outside the reach is a 404 whatever the action. `lock` holds its row.
 */
export async function requireActionChat(db: Executor, principal: Principal, chatNumber: number, options: { lock?: boolean } = {}): Promise<ActionChatRecord> {
  const chat = await findActionChat(db, chatReach(principal), chatNumber, options);
  if (!chat) throw AppError.notFound('Chat');
  return chat;
}
