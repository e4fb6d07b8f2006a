import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { Executor } from '../../executor.js';
import { keysetPage } from '../../paging.js';
import { type ChatReach, chatWithinReach, ownerIsAnonymous } from '../../reach.js';
import { definedColumns, fieldsOf } from '../../rows.js';
import { CHANNEL_TYPES, CHAT_TYPES, type ChannelType, type ChatType, type Database } from '../../schema.js';
import { anyMessageMatches, chatOnChannelTypes, chatTextMatches, containsPattern } from '../../search.js';
import { exactText } from '../../times.js';
import { joinChatParties } from './parties.js';

// The v2 workspace chats (the workspace-chats group, tag Workspace chats of /openapi.json): one filter language for the list, the export and the statistics.
// Every filter, the query parameters included, becomes a rule tree that compiles to one WHERE clause here.

export const CHAT_RULE_OPS = ['eq', 'ne', 'in', 'not_in', 'contains', 'not_contains', 'gt', 'gte', 'lt', 'lte', 'between', 'is_null'] as const;
export type ChatRuleOp = (typeof CHAT_RULE_OPS)[number];

type FieldKind = 'enum' | 'label' | 'member' | 'time' | 'boolean' | 'text' | 'integer';

interface FieldSpec {
  kind: FieldKind;
  ops: readonly ChatRuleOp[];
  /** The allowed values of an `enum` field. */
  values?: readonly string[];
}

/** The fields a rule may test, with their operators. Core validates rules against this table and documents each field. */
export const CHAT_RULE_FIELDS = {
  channel: { kind: 'enum', values: CHANNEL_TYPES, ops: ['eq', 'ne', 'in', 'not_in', 'is_null'] },
  chatType: { kind: 'enum', values: CHAT_TYPES, ops: ['eq', 'ne', 'in', 'not_in'] },
  state: { kind: 'enum', values: ['OPEN', 'SNOOZED', 'CLOSED'], ops: ['eq', 'ne', 'in', 'not_in'] },
  label: { kind: 'label', ops: ['eq', 'ne', 'in', 'not_in', 'is_null'] },
  assistantMemberId: { kind: 'member', ops: ['eq', 'ne', 'in', 'not_in'] },
  assignedMemberId: { kind: 'member', ops: ['eq', 'ne', 'in', 'not_in', 'is_null'] },
  memberId: { kind: 'member', ops: ['eq', 'ne', 'in', 'not_in'] },
  createdAt: { kind: 'time', ops: ['gt', 'gte', 'lt', 'lte', 'between'] },
  updatedAt: { kind: 'time', ops: ['gt', 'gte', 'lt', 'lte', 'between'] },
  lastMessageAt: { kind: 'time', ops: ['gt', 'gte', 'lt', 'lte', 'between', 'is_null'] },
  needsResponse: { kind: 'boolean', ops: ['eq', 'ne'] },
  archived: { kind: 'boolean', ops: ['eq', 'ne'] },
  paused: { kind: 'boolean', ops: ['eq', 'ne'] },
  muted: { kind: 'boolean', ops: ['eq', 'ne'] },
  isTest: { kind: 'boolean', ops: ['eq', 'ne'] },
  anonymous: { kind: 'boolean', ops: ['eq', 'ne'] },
  title: { kind: 'text', ops: ['eq', 'ne', 'contains', 'not_contains', 'is_null'] },
  content: { kind: 'text', ops: ['contains', 'not_contains'] },
  messageCount: { kind: 'integer', ops: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'between'] },
} as const satisfies Record<string, FieldSpec>;
export type ChatRuleField = keyof typeof CHAT_RULE_FIELDS;

/** A validated rule: values are already of the field's type (Date for times, numbers for ids). */
export interface ChatRule {
  field: ChatRuleField;
  op: ChatRuleOp;
  value: string | number | boolean | Date | Array<string | number> | [Date, Date] | [number, number];
}
export type ChatRuleNode = ChatRule | { all: ChatRuleNode[] } | { any: ChatRuleNode[] };

export interface WorkspaceChatFilter {
  /** The caller's reach: which chats the query may hold at all. */
  reach: ChatReach;
  /** The query's filters, parameters and rule tree alike, as one tree. */
  rules?: ChatRuleNode;
  /** Only the chat with this integer id. */
  chatNumber?: number;
  /** The `search` parameter: in the chat's content or metadata (chatTextMatches). */
  search?: string;
}

export const CHAT_SORT_FIELDS = ['createdAt', 'updatedAt', 'lastMessageAt', 'title'] as const;
export type ChatSortField = (typeof CHAT_SORT_FIELDS)[number];
export interface ChatSort {
  field: ChatSortField;
  order: 'asc' | 'desc';
}

/** A position in a sorted list: the last row's sort value (as text; exact for timestamps) and number. */
export interface ChatCursor {
  value: string | null;
  number: number;
}

type ChatsEb = ExpressionBuilder<Database, 'chats'>;

// Only nullable columns carry `nulls last`: on the others a bare direction lets the (workspace_id, column,
// number) indexes serve the order, so a page stops after its rows instead of sorting every match.
const SORT_COLUMNS = {
  createdAt: { column: 'chats.created_at', cast: 'timestamptz', nullable: false },
  updatedAt: { column: 'chats.updated_at', cast: 'timestamptz', nullable: false },
  lastMessageAt: { column: 'chats.last_message_at', cast: 'timestamptz', nullable: true },
  title: { column: 'chats.title', cast: 'text', nullable: true },
} as const;

function sortDirection(sort: ChatSort) {
  return sql.raw(SORT_COLUMNS[sort.field].nullable ? `${sort.order} nulls last` : sort.order);
}

/** True where `condition` is false or null: negations keep rows whose column is null. */
function not(eb: ChatsEb, condition: Expression<SqlBool>): Expression<SqlBool> {
  return eb.not(sql<SqlBool>`coalesce(${condition}, false)`);
}

function list<T>(value: ChatRule['value']): T[] {
  return (Array.isArray(value) ? value : [value]) as T[];
}

/** The chats a member takes part in: as owner, participant or assignee. */
function involves(eb: ChatsEb, workspaceId: string, memberIds: number[]): Expression<SqlBool> {
  const identities = eb.selectFrom('members').select('members.identity_id').where('members.workspace_id', '=', workspaceId).where('members.id', 'in', memberIds);
  return eb.or([
    eb('chats.owner_id', 'in', identities),
    eb('chats.assigned_member_id', 'in', memberIds),
    eb.exists(eb.selectFrom('participants').select(sql.lit(1).as('one')).whereRef('participants.chat_id', '=', 'chats.id').where('participants.member_id', 'in', memberIds)),
  ]);
}

/** Positive form of a set-valued rule (`eq`/`in`); `ne`/`not_in` are its negation. */
function membership(eb: ChatsEb, workspaceId: string, rule: ChatRule): Expression<SqlBool> {
  switch (rule.field) {
    case 'channel': {
      const types = list<ChannelType>(rule.value);
      return chatOnChannelTypes(eb, workspaceId, types, types.includes('api'));
    }
    case 'chatType':
      return eb('chats.chat_type', 'in', list<ChatType>(rule.value));
    case 'state':
      return eb('chats.state', 'in', list<'OPEN' | 'SNOOZED' | 'CLOSED'>(rule.value));
    case 'label':
      return eb.exists(
        eb
          .selectFrom('chat_labels')
          .innerJoin('labels', 'labels.id', 'chat_labels.label_id')
          .select(sql.lit(1).as('one'))
          .whereRef('chat_labels.chat_id', '=', 'chats.id')
          .where('labels.name', 'in', list<string>(rule.value)),
      );
    case 'assistantMemberId': {
      const identities = eb.selectFrom('members').select('members.identity_id').where('members.workspace_id', '=', workspaceId).where('members.kind', '=', 'assistant').where('members.id', 'in', list<number>(rule.value));
      return eb.or([eb('chats.responder_id', 'in', identities), eb('chats.current_responder_id', 'in', identities)]);
    }
    case 'assignedMemberId':
      return eb('chats.assigned_member_id', 'in', list<number>(rule.value));
    case 'memberId':
      return involves(eb, workspaceId, list<number>(rule.value));
    case 'title':
      return eb('chats.title', 'in', list<string>(rule.value));
    case 'messageCount':
      return eb('chats.message_count', 'in', list<number>(rule.value));
    default:
      throw new Error(`${rule.field} does not support ${rule.op}`);
  }
}

const BOOLEAN_COLUMNS = {
  needsResponse: 'chats.needs_response',
  archived: 'chats.is_archived',
  paused: 'chats.is_paused',
  muted: 'chats.is_muted',
  isTest: 'chats.is_test',
} as const;

const ORDERED_COLUMNS = {
  createdAt: 'chats.created_at',
  updatedAt: 'chats.updated_at',
  lastMessageAt: 'chats.last_message_at',
  messageCount: 'chats.message_count',
} as const;

const COMPARISONS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function compileRule(eb: ChatsEb, workspaceId: string, rule: ChatRule): Expression<SqlBool> {
  const { field, op, value } = rule;
  if (field === 'anonymous') {
    const anonymous = ownerIsAnonymous(eb);
    return (op === 'eq') === value ? anonymous : not(eb, anonymous);
  }
  if (Object.hasOwn(BOOLEAN_COLUMNS, field)) {
    const column = BOOLEAN_COLUMNS[field as keyof typeof BOOLEAN_COLUMNS];
    return eb(column, '=', (op === 'eq') === value);
  }
  if (field === 'content' || (field === 'title' && (op === 'contains' || op === 'not_contains'))) {
    const pattern = containsPattern(String(value));
    const matches = field === 'title' ? eb('chats.title', 'ilike', pattern) : anyMessageMatches(eb, pattern);
    return op === 'contains' ? matches : not(eb, matches);
  }
  if (op === 'is_null') {
    const isNull = (() => {
      switch (field) {
        case 'channel':
          return eb('chats.channel_id', 'is', null);
        case 'assignedMemberId':
          return eb('chats.assigned_member_id', 'is', null);
        case 'lastMessageAt':
          return eb('chats.last_message_at', 'is', null);
        case 'title':
          return eb('chats.title', 'is', null);
        case 'label':
          return not(eb, eb.exists(eb.selectFrom('chat_labels').select(sql.lit(1).as('one')).whereRef('chat_labels.chat_id', '=', 'chats.id')));
        default:
          throw new Error(`${field} does not support is_null`);
      }
    })();
    return value === true ? isNull : not(eb, isNull);
  }
  if (op === 'eq' || op === 'in') return membership(eb, workspaceId, rule);
  if (op === 'ne' || op === 'not_in') return not(eb, membership(eb, workspaceId, rule));
  const column = ORDERED_COLUMNS[field as keyof typeof ORDERED_COLUMNS];
  if (!column) throw new Error(`${field} does not support ${op}`);
  if (op === 'between') {
    const [from, to] = value as [Date, Date] | [number, number];
    return eb.and([eb(column, '>=', from as never), eb(column, '<=', to as never)]);
  }
  return eb(column, COMPARISONS[op as keyof typeof COMPARISONS], value as never);
}

function compileNode(eb: ChatsEb, workspaceId: string, node: ChatRuleNode): Expression<SqlBool> {
  if ('all' in node) return eb.and(node.all.map((n) => compileNode(eb, workspaceId, n)));
  if ('any' in node) return eb.or(node.any.map((n) => compileNode(eb, workspaceId, n)));
  return compileRule(eb, workspaceId, node);
}

/** The WHERE clause of a workspace chats query: live chats within the caller's reach, then the rules. */
export function workspaceChatsWhere(filter: WorkspaceChatFilter) {
  return (eb: ChatsEb): Expression<SqlBool> => {
    const conditions: Expression<SqlBool>[] = [chatWithinReach(filter.reach)(eb), eb('chats.is_removed', '=', false)];
    if (filter.rules) conditions.push(compileNode(eb, filter.reach.workspaceId, filter.rules));
    if (filter.chatNumber !== undefined) conditions.push(eb('chats.number', '=', filter.chatNumber));
    if (filter.search) conditions.push(chatTextMatches(eb, filter.search));
    return eb.and(conditions);
  };
}

/** ORDER BY terms for a sort (apply each with `orderBy`): the field, nulls last either way, then the chat number the same way. */
export function workspaceChatsOrder(sort: ChatSort) {
  const { column } = SORT_COLUMNS[sort.field];
  return [sql`${sql.ref(column)} ${sortDirection(sort)}`, sql`${sql.ref('chats.number')} ${sql.raw(sort.order)}`];
}

/** Rows strictly after `cursor` in the order of `sort`. */
function afterCursor(eb: ChatsEb, sort: ChatSort, cursor: ChatCursor): Expression<SqlBool> {
  const { column, cast } = SORT_COLUMNS[sort.field];
  const col = sql.ref(column);
  const further = sort.order === 'desc' ? sql.raw('<') : sql.raw('>');
  const numberAfter = sql<SqlBool>`chats.number ${further} ${cursor.number}`;
  if (cursor.value === null) return eb.and([sql<SqlBool>`${col} is null`, numberAfter]);
  const value = sql`cast(${cursor.value} as ${sql.raw(cast)})`;
  return eb.or([sql<SqlBool>`${col} ${further} ${value}`, eb.and([sql<SqlBool>`${col} = ${value}`, numberAfter]), sql<SqlBool>`${col} is null`]);
}

export interface WorkspaceChatRecord {
  number: number;
  id: string;
  title: string | null;
  summary: string | null;
  summaryUpdatedAt: Date | null;
  chatType: ChatType;
  channelId: string | null;
  channelType: ChannelType | null;
  channelName: string | null;
  ownerId: string;
  ownerName: string;
  ownerKind: 'user' | 'contact' | 'agent' | 'squad';
  ownerMemberId: number | null;
  isAnonymous: boolean;
  responderId: string;
  assistantMemberId: number | null;
  assignedMemberId: number | null;
  isArchived: boolean;
  isPaused: boolean;
  isMuted: boolean;
  needsResponse: boolean;
  isTest: boolean;
  state: 'OPEN' | 'SNOOZED' | 'CLOSED';
  labels: string[];
  participants: Array<{ memberId: number; role: string }>;
  messageCount: number;
  lastMessageAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** The sort value for a cursor after this row. */
  sortValue: string | null;
}

/**
 * One page of chats in `sort` order: after `cursor`, or skipping `offset` rows. The page of ids is
 * selected first and the details joined onto it, so their cost stays with the page size.
 */
export async function listWorkspaceChatRecords(
  db: Executor,
  filter: WorkspaceChatFilter,
  sort: ChatSort,
  page: { offset: number; limit: number; cursor?: ChatCursor },
): Promise<{ items: WorkspaceChatRecord[]; hasMore: boolean }> {
  const { column } = SORT_COLUMNS[sort.field];
  const rows = await db
    .selectFrom((eb) =>
      eb
        .selectFrom('chats')
        .select(['chats.id', 'chats.number', exactText<string | null>(column).as('sort_value'), sql.ref(column).as('sort_key')])
        .where(workspaceChatsWhere(filter))
        .$if(page.cursor !== undefined, (qb) => qb.where((eb) => afterCursor(eb, sort, page.cursor!)))
        .$call((qb) => workspaceChatsOrder(sort).reduce((q, term) => q.orderBy(term), qb))
        .offset(page.offset)
        .limit(page.limit + 1)
        .as('page'),
    )
    .innerJoin('chats', 'chats.id', 'page.id')
    .$call(joinChatParties)
    .leftJoin('members as assistant', (join) => join.on((eb) => eb('assistant.identity_id', '=', eb.fn.coalesce('chats.current_responder_id', 'chats.responder_id'))).on('assistant.kind', '=', 'assistant'))
    .select((eb) => [
      'page.sort_value',
      'chats.number', 'chats.id', 'chats.title', 'chats.summary', 'chats.summary_updated_at', 'chats.chat_type', 'chats.channel_id',
      'channels.type as channel_type', 'channels.name as channel_name',
      'chats.owner_id', 'owner.display_name as owner_name', 'owner.kind as owner_kind', 'owner_member.id as owner_member_id',
      'owner_contact.is_anonymous',
      'chats.responder_id', 'assistant.id as assistant_member_id', 'chats.assigned_member_id',
      'chats.is_archived', 'chats.is_paused', 'chats.is_muted', 'chats.needs_response', 'chats.is_test', 'chats.state',
      'chats.message_count', 'chats.last_message_at', 'chats.created_at', 'chats.updated_at',
      eb
        .selectFrom('chat_labels')
        .innerJoin('labels', 'labels.id', 'chat_labels.label_id')
        .select(sql<string[]>`coalesce(array_agg(labels.name order by labels.name), '{}')`.as('names'))
        .whereRef('chat_labels.chat_id', '=', 'chats.id')
        .as('labels'),
      eb
        .selectFrom('participants')
        .select(sql<Array<{ memberId: number; role: string }>>`coalesce(json_agg(json_build_object('memberId', participants.member_id, 'role', participants.role) order by participants.id), '[]')`.as('list'))
        .whereRef('participants.chat_id', '=', 'chats.id')
        .as('participants'),
    ])
    .orderBy(sql`page.sort_key ${sortDirection(sort)}`)
    .orderBy('page.number', sort.order)
    .execute();
  return keysetPage(
    rows,
    page.limit,
    (r): WorkspaceChatRecord => ({
      ...fieldsOf(r, [
        'number', 'id', 'title', 'summary', 'summary_updated_at', 'chat_type', 'channel_id', 'channel_type', 'channel_name',
        'owner_id', 'owner_name', 'owner_kind', 'owner_member_id', 'is_anonymous', 'responder_id', 'assistant_member_id', 'assigned_member_id',
        'is_archived', 'is_paused', 'is_muted', 'needs_response', 'is_test', 'state', 'labels', 'participants',
        'message_count', 'last_message_at', 'created_at', 'updated_at', 'sort_value',
      ]),
      isAnonymous: r.is_anonymous ?? false,
      labels: r.labels ?? [],
      participants: typeof r.participants === 'string' ? JSON.parse(r.participants) : (r.participants ?? []),
    }),
  );
}

/** Numbers of the live, unarchived, unmuted chats waiting for an answer, lowest first. */
export async function listChatNumbersNeedingResponse(db: Executor, filter: WorkspaceChatFilter): Promise<number[]> {
  const rows = await db
    .selectFrom('chats')
    .select('chats.number')
    .where(workspaceChatsWhere(filter))
    .where('chats.needs_response', '=', true)
    .where('chats.is_archived', '=', false)
    .where('chats.is_muted', '=', false)
    .orderBy('chats.number')
    .execute();
  return rows.map((r) => r.number);
}

export interface DailyCreationRow {
  /** The local day, 'YYYY-MM-DD'. */
  date: string;
  assignment: number;
  manager: number;
  dm: number;
  testing: number;
  count: number;
}

/**
 * Chats created per local day over the `days` days ending today in `timeZone`, by chat type. Every day
 * is present; a day runs from local midnight to local midnight (23 or 25 hours across DST).
 */
export async function countChatsCreatedByLocalDay(
  db: Executor,
  filter: WorkspaceChatFilter,
  options: { timeZone: string; days: number; now?: Date },
): Promise<DailyCreationRow[]> {
  const tz = options.timeZone;
  // Calendar arithmetic on the local date of `now`, then Postgres turns the first local midnight into an instant.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(options.now ?? new Date());
  const dates = Array.from({ length: options.days }, (_, i) => {
    const d = new Date(`${today}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - (options.days - 1 - i));
    return d.toISOString().slice(0, 10);
  });
  const rows = await db
    .selectFrom('chats')
    .select([sql<string>`to_char(chats.created_at at time zone ${tz}, 'YYYY-MM-DD')`.as('day'), 'chats.chat_type', (eb) => eb.fn.countAll<number>().as('n')])
    .where(workspaceChatsWhere(filter))
    .where('chats.created_at', '>=', sql<Date>`(cast(${dates[0]} as timestamp) at time zone ${tz})`)
    .groupBy([sql`1`, 'chats.chat_type'])
    .execute();
  const byDay = new Map(dates.map((date) => [date, { date, assignment: 0, manager: 0, dm: 0, testing: 0, count: 0 }]));
  for (const row of rows) {
    const day = byDay.get(row.day);
    if (!day) continue; // created "in the future" relative to `now`
    day[row.chat_type] += Number(row.n);
    day.count += Number(row.n);
  }
  return [...byDay.values()];
}

/** Distinct tool names called in the workspace's messages (of the chats the filter keeps), sorted. */
export async function listToolCallNames(db: Executor, filter: WorkspaceChatFilter): Promise<string[]> {
  const rows = await db
    .selectFrom('messages')
    .innerJoin('chats', 'chats.id', 'messages.chat_id')
    .select(sql<string>`distinct jsonb_array_elements(messages.tool_calls) ->> 'name'`.as('name'))
    .where('messages.workspace_id', '=', filter.reach.workspaceId)
    .where(sql<SqlBool>`jsonb_array_length(messages.tool_calls) > 0`)
    .where(workspaceChatsWhere(filter) as never)
    .execute();
  return rows
    .map((r) => r.name)
    .filter((n): n is string => typeof n === 'string' && n.length > 0)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface ChatInboxPatch {
  chatType?: ChatType;
  isArchived?: boolean;
  isPaused?: boolean;
  isMuted?: boolean;
  needsResponse?: boolean;
  isTest?: boolean;
  assignedMemberId?: number | null;
}

/** Sets a chat's inbox flags; the assignment time moves with the assignee. */
export async function updateChatInbox(db: Executor, workspaceId: string, chatId: string, patch: ChatInboxPatch): Promise<boolean> {
  const result = await db
    .updateTable('chats')
    .set({
      ...definedColumns(patch, ['chatType', 'isArchived', 'isPaused', 'isMuted', 'needsResponse', 'isTest']),
      ...(patch.assignedMemberId !== undefined && { assigned_member_id: patch.assignedMemberId, assigned_at: patch.assignedMemberId === null ? null : sql<Date>`now()` }),
      updated_at: sql<Date>`now()`,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', chatId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export interface ChatFieldsPatch {
  title?: string | null;
  summary?: string | null;
  isArchived?: boolean;
  isPaused?: boolean;
  isMuted?: boolean;
  needsResponse?: boolean;
  state?: 'OPEN' | 'SNOOZED' | 'CLOSED';
  assignedMemberId?: number | null;
}

/**
 * Writes the fields the patch names (and updated_at). A summary that differs from the stored one moves
 * summary_updated_at to now (no summary: null); a new assignee moves assigned_at (null when unassigned).
 */
export async function updateChatFields(db: Executor, workspaceId: string, chatId: string, patch: ChatFieldsPatch): Promise<void> {
  await db
    .updateTable('chats')
    .set((eb) => ({
      ...definedColumns(patch, ['title', 'isArchived', 'isPaused', 'isMuted', 'needsResponse', 'state']),
      ...(patch.summary !== undefined && {
        summary: patch.summary,
        summary_updated_at:
          patch.summary === null ? null : eb.case().when(sql<boolean>`chats.summary is distinct from ${patch.summary}`).then(sql<Date>`now()`).else(eb.ref('chats.summary_updated_at')).end(),
      }),
      ...(patch.assignedMemberId !== undefined && {
        assigned_member_id: patch.assignedMemberId,
        assigned_at: patch.assignedMemberId === null ? null : eb.case().when('chats.assigned_member_id', 'is not distinct from', patch.assignedMemberId).then(eb.ref('chats.assigned_at')).else(sql<Date>`now()`).end(),
      }),
      updated_at: sql<Date>`now()`,
    }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', chatId)
    .execute();
}

// ---- The chat a v2 action addresses ----

/** A v2 chat as the actions need it: its channel and the owner's addresses for delivery. */
export interface ActionChatRecord {
  id: string;
  number: number;
  workspaceId: string;
  title: string | null;
  channelId: string | null;
  channelType: ChannelType | null;
  channelConfig: Record<string, unknown>;
  ownerId: string;
  ownerKind: 'user' | 'contact' | 'agent' | 'squad';
  ownerName: string;
  ownerEmail: string | null;
  ownerPhone: string | null;
  ownerBlocked: boolean;
  responderId: string;
  responderKind: 'user' | 'contact' | 'agent' | 'squad';
  currentResponderId: string | null;
  assistantName: string | null;
  needsResponse: boolean;
}

/**
 * The live chat with integer id `number` within the reach; undefined for chats outside it (other
 * workspaces' too) and removed ones. `lock` takes the chat's row lock until the transaction ends, so
 * writers to one chat queue up.
 */
export async function findActionChat(db: Executor, reach: ChatReach, number: number, options: { lock?: boolean } = {}): Promise<ActionChatRecord | undefined> {
  if (options.lock) {
    const locked = await db.selectFrom('chats').select('chats.id').where(chatWithinReach(reach)).where('chats.number', '=', number).forUpdate().executeTakeFirst();
    if (!locked) return undefined;
  }
  const row = await db
    .selectFrom('chats')
    .$call(joinChatParties)
    .innerJoin('identities as responder', 'responder.id', 'chats.responder_id')
    .leftJoin('identities as assistant', (join) => join.on((eb) => eb('assistant.id', '=', eb.fn.coalesce('chats.current_responder_id', 'chats.responder_id'))).on('assistant.kind', '=', 'agent'))
    .select([
      'chats.id', 'chats.number', 'chats.workspace_id', 'chats.title', 'chats.channel_id', 'chats.needs_response',
      'channels.type as channel_type', 'channels.config as channel_config',
      'chats.owner_id', 'owner.kind as owner_kind', 'owner.display_name as owner_name',
      'owner_member.email as member_email', 'owner_member.phone as member_phone',
      'owner_contact.email as contact_email', 'owner_contact.phone as contact_phone', 'owner_contact.is_blocked',
      'chats.responder_id', 'responder.kind as responder_kind', 'chats.current_responder_id', 'assistant.display_name as assistant_name',
    ])
    .where(chatWithinReach(reach))
    .where('chats.number', '=', number)
    .where('chats.is_removed', '=', false)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    number: row.number,
    workspaceId: row.workspace_id,
    title: row.title,
    channelId: row.channel_id,
    channelType: row.channel_type,
    channelConfig: (row.channel_config as Record<string, unknown> | null) ?? {},
    ownerId: row.owner_id,
    ownerKind: row.owner_kind,
    ownerName: row.owner_name,
    ownerEmail: row.owner_kind === 'contact' ? row.contact_email : row.member_email,
    ownerPhone: row.owner_kind === 'contact' ? row.contact_phone : row.member_phone,
    ownerBlocked: row.is_blocked ?? false,
    responderId: row.responder_id,
    responderKind: row.responder_kind,
    currentResponderId: row.current_responder_id,
    assistantName: row.assistant_name,
    needsResponse: row.needs_response,
  };
}

/** The squad assistant now answering the chat, unless one already is. */
export async function setCurrentResponder(db: Executor, chatId: string, assistantId: string): Promise<void> {
  await db.updateTable('chats').set({ current_responder_id: assistantId }).where('id', '=', chatId).where('current_responder_id', 'is', null).execute();
}
