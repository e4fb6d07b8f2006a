import { type ExpressionBuilder, type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import type { Executor } from '../../executor.js';
import { keysetPage, type Page, type PageRequest } from '../../paging.js';
import { type ChatReach, chatWithinReach } from '../../reach.js';
import { definedColumns, fieldsOf, type RowOf } from '../../rows.js';
import type { ChannelType, ChatsTable, Database, MessageRole, TicketStatus } from '../../schema.js';
import { chatOnChannelTypes, chatTextMatches } from '../../search.js';
import { joinChatParties } from './parties.js';

export interface ChatRecord {
  id: string;
  number: number;
  workspaceId: string;
  channelId: string | null;
  ownerId: string;
  responderId: string;
  currentResponderId: string | null;
  responderVersionId: string | null;
  title: string | null;
  isRemoved: boolean;
  lastMessageAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewChatInput extends Pick<ChatRecord, 'workspaceId' | 'channelId' | 'ownerId' | 'responderId' | 'currentResponderId' | 'responderVersionId' | 'title'> {
  createdAt?: Date;
}

export async function insertChat(db: Executor, input: NewChatInput): Promise<ChatRecord> {
  const row = await db
    .insertInto('chats')
    .values({
      workspace_id: input.workspaceId,
      channel_id: input.channelId,
      owner_id: input.ownerId,
      responder_id: input.responderId,
      current_responder_id: input.currentResponderId,
      responder_version_id: input.responderVersionId,
      ticket_id: null,
      title: input.title,
      summary: null,
      summary_updated_at: null,
      assigned_member_id: null,
      assigned_at: null,
      language: null,
      shared_url: null,
      call_duration_seconds: null,
      call_end_reason: null,
      call_exit_step: null,
      call_transfer_target: null,
      call_user_inputs: null,
      last_message_at: null,
      created_at: input.createdAt,
      updated_at: input.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toChat(row);
}

/** A chat within the reach, removed or not; undefined for unknown ids and chats outside it (another workspace's too). */
export async function findChat(db: Executor, reach: ChatReach, id: string): Promise<ChatRecord | undefined> {
  const row = await db.selectFrom('chats').selectAll().where(chatWithinReach(reach)).where('chats.id', '=', id).executeTakeFirst();
  return row && toChat(row);
}

export async function updateChatRecord(
  db: Executor,
  workspaceId: string,
  id: string,
  patch: { title?: string | null; lastMessageAt?: Date | null; isRemoved?: boolean },
): Promise<ChatRecord | undefined> {
  const row = await db
    .updateTable('chats')
    .set({
      ...definedColumns(patch, ['title', 'lastMessageAt', 'isRemoved']),
      updated_at: sql<Date>`now()`,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    // Setting the removed flag changes only a chat that does not have it yet, so of racing callers exactly
    // one gets the chat back: the one whose call changed it.
    .$if(patch.isRemoved !== undefined, (qb) => qb.where('is_removed', '=', !patch.isRemoved))
    .returningAll()
    .executeTakeFirst();
  return row && toChat(row);
}

export interface ChatListFilter {
  /** The caller's reach: which chats the list may hold at all. */
  reach: ChatReach;
  channelIds?: string[];
  /** Chats without a channel count as `api` chats. */
  channelTypes?: ChannelType[];
  ownerIds?: string[];
  responderIds?: string[];
  responderVersionIds?: string[];
  /** Case-insensitive substring of the title or of any message's content. */
  search?: string;
  lastMessageFrom?: Date;
  lastMessageTo?: Date;
}

function chatFilter(filter: ChatListFilter) {
  return (eb: ExpressionBuilder<Database, 'chats'>) => {
    const workspaceId = filter.reach.workspaceId;
    const conditions = [chatWithinReach(filter.reach)(eb), eb('chats.is_removed', '=', false)];
    if (filter.channelIds?.length) conditions.push(eb('chats.channel_id', 'in', filter.channelIds));
    if (filter.ownerIds?.length) conditions.push(eb('chats.owner_id', 'in', filter.ownerIds));
    if (filter.responderIds?.length) conditions.push(eb('chats.responder_id', 'in', filter.responderIds));
    if (filter.responderVersionIds?.length) conditions.push(eb('chats.responder_version_id', 'in', filter.responderVersionIds));
    if (filter.lastMessageFrom) conditions.push(eb('chats.last_message_at', '>=', filter.lastMessageFrom));
    if (filter.lastMessageTo) conditions.push(eb('chats.last_message_at', '<=', filter.lastMessageTo));
    if (filter.channelTypes) conditions.push(chatOnChannelTypes(eb, workspaceId, filter.channelTypes, filter.channelTypes.includes('api')));
    if (filter.search) conditions.push(chatTextMatches(eb, filter.search));
    return eb.and(conditions);
  };
}

/** The page of the filter's chats, newest first; ties broken by id so pages are stable. */
function chatPage<O>(qb: SelectQueryBuilder<Database, 'chats', O>, filter: ChatListFilter, page: PageRequest) {
  return qb
    .where(chatFilter(filter))
    .orderBy('chats.created_at', 'desc')
    .orderBy('chats.id', 'desc')
    .offset(page.offset)
    .limit(page.limit + 1);
}

/** Newest first; ties broken by id so pages are stable. */
export async function listChatRecords(db: Executor, filter: ChatListFilter, page: PageRequest): Promise<Page<ChatRecord>> {
  const rows = await chatPage(db.selectFrom('chats').selectAll(), filter, page).execute();
  return keysetPage(rows, page.limit, toChat);
}

export interface ChatDetailsRecord {
  id: string;
  workspaceId: string;
  title: string | null;
  isRemoved: boolean;
  createdAt: Date;
  channelId: string | null;
  channelName: string | null;
  channelType: ChannelType | null;
  lastMessageContent: string | null;
  lastMessageCreatedAt: Date | null;
  lastMessageRole: MessageRole | null;
  penultimateMessageContent: string | null;
  penultimateMessageCreatedAt: Date | null;
  penultimateMessageRole: MessageRole | null;
  ownerId: string;
  ownerName: string | null;
  ownerEmail: string | null;
  ownerIdentifier: string | null;
  isOwnerBlocked: boolean | null;
  responderId: string;
  responderEntity: 'agent' | 'squad';
  responderName: string;
  responderPicture: string | null;
  responderVersionId: string | null;
  responderVersionNumber: number | null;
  ticketId: string | null;
  ticketStatus: TicketStatus | null;
}

/** The chat's message `n` places before its latest (0 is the latest), through the (chat_id, created_at) index. */
function nthLatestMessage(eb: ExpressionBuilder<Database, 'chats'>, n: number) {
  return eb
    .selectFrom('messages')
    .select(['messages.content', 'messages.created_at', 'messages.role'])
    .whereRef('messages.chat_id', '=', 'chats.id')
    .orderBy('messages.created_at', 'desc')
    .orderBy('messages.id', 'desc')
    .offset(n)
    .limit(1);
}

/**
 * Details for the chats `ids` selects (a page, or one chat). The joins run from that small set
 * outward, so their cost does not grow with the workspace.
 */
function detailsQuery(db: Executor, ids: (eb: ExpressionBuilder<Database, never>) => SelectQueryBuilder<Database, 'chats', { id: string; created_at: Date }>, responderVersionId?: string) {
  return db
    .selectFrom((eb) => ids(eb as never).as('page'))
    .innerJoin('chats', 'chats.id', 'page.id')
    .$call(joinChatParties)
    .innerJoin('identities as responder', 'responder.id', 'chats.responder_id')
    .leftJoin('assistant_versions as version', (join) =>
      responderVersionId
        ? join.on('version.id', '=', responderVersionId).onRef('version.assistant_id', '=', 'chats.responder_id')
        : join.onRef('version.id', '=', 'chats.responder_version_id'),
    )
    .leftJoin('tickets', 'tickets.id', 'chats.ticket_id')
    .leftJoinLateral((eb) => nthLatestMessage(eb, 0).as('last'), (join) => join.onTrue())
    .leftJoinLateral((eb) => nthLatestMessage(eb, 1).as('penultimate'), (join) => join.onTrue())
    .select([
      'chats.id', 'chats.workspace_id', 'chats.title', 'chats.is_removed', 'chats.created_at', 'chats.channel_id',
      'channels.name as channel_name', 'channels.type as channel_type',
      'last.content as last_content', 'last.created_at as last_created_at', 'last.role as last_role',
      'penultimate.content as penultimate_content', 'penultimate.created_at as penultimate_created_at', 'penultimate.role as penultimate_role',
      'chats.owner_id', 'owner.display_name as owner_name', 'owner.kind as owner_kind',
      'owner_member.email as owner_email', 'owner_contact.identifier as owner_identifier', 'owner_contact.is_blocked as owner_blocked',
      'chats.responder_id', 'responder.kind as responder_kind', 'responder.display_name as responder_name', 'responder.picture_url as responder_picture',
      'version.id as version_id', 'version.version_number',
      'tickets.id as ticket_id', 'tickets.status as ticket_status',
    ]);
}

function toDetails(row: RowOf<typeof detailsQuery>): ChatDetailsRecord {
  return {
    ...fieldsOf(row, ['id', 'workspace_id', 'title', 'is_removed', 'created_at', 'channel_id', 'channel_name', 'channel_type']),
    lastMessageContent: row.last_content,
    lastMessageCreatedAt: row.last_created_at,
    lastMessageRole: row.last_role,
    penultimateMessageContent: row.penultimate_content,
    penultimateMessageCreatedAt: row.penultimate_created_at,
    penultimateMessageRole: row.penultimate_role,
    ownerId: row.owner_id,
    ownerName: row.owner_name,
    ownerEmail: row.owner_kind === 'user' ? row.owner_email : null,
    ownerIdentifier: row.owner_kind === 'contact' ? row.owner_identifier : null,
    isOwnerBlocked: row.owner_kind === 'contact' ? row.owner_blocked : null,
    responderId: row.responder_id,
    responderEntity: row.responder_kind === 'squad' ? 'squad' : 'agent',
    responderName: row.responder_name,
    responderPicture: row.responder_picture,
    responderVersionId: row.version_id,
    responderVersionNumber: row.version_number,
    ticketId: row.ticket_id,
    ticketStatus: row.ticket_status,
  };
}

export async function findChatDetails(
  db: Executor,
  reach: ChatReach,
  id: string,
  responderVersionId?: string,
): Promise<ChatDetailsRecord | undefined> {
  const row = await detailsQuery(
    db,
    (eb) => eb.selectFrom('chats').select(['chats.id', 'chats.created_at']).where(chatWithinReach(reach)).where('chats.id', '=', id),
    responderVersionId,
  ).executeTakeFirst();
  return row && toDetails(row);
}

export async function listChatDetailRecords(db: Executor, filter: ChatListFilter, page: PageRequest): Promise<Page<ChatDetailsRecord>> {
  // Page the chats first, then join the details onto that page only.
  const rows = await detailsQuery(db, (eb) => chatPage(eb.selectFrom('chats').select(['chats.id', 'chats.created_at']), filter, page))
    .orderBy('page.created_at', 'desc')
    .orderBy('page.id', 'desc')
    .execute();
  return keysetPage(rows, page.limit, toDetails);
}

function toChat(row: Selectable<ChatsTable>): ChatRecord {
  return fieldsOf(row, [
    'id', 'number', 'workspace_id', 'channel_id', 'owner_id', 'responder_id', 'current_responder_id', 'responder_version_id', 'title', 'is_removed',
    'last_message_at', 'created_at', 'updated_at',
  ]);
}
