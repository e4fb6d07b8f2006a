import {
  type ChannelType,
  type ChatDetailsRecord,
  type ChatRecord,
  type Database,
  type Executor,
  findAssistantCurrentVersion,
  findAssistantVersion,
  findChannel,
  findChat,
  findChatDetails,
  findIdentity,
  findWorkspace,
  insertChat,
  insertParticipant,
  listChatDetailRecords,
  listChatRecords,
  type Page,
  updateChatRecord,
} from '@parley/db';
import type { Kysely } from 'kysely';
import type { Principal } from '../auth.js';
import { AppError } from '../errors.js';
import { chatEvent, recordEvent, withinTransaction } from '../events/log.js';
import { type Outcome, type RecordOutcome, reviveDates, withIdempotency } from '../idempotency.js';
import { pageWindow } from '../paging.js';
import { chatReach, hasFullReach } from '../policy.js';

// The chats API v1 (tag Chats of /openapi.json): chats addressed by uuid, within the caller's reach (policy.ts). Each
// route declares the scope it needs.

/** The channel types the v1 list shows unless the request names others. */
export const DEFAULT_V1_CHANNEL_TYPES: ChannelType[] = ['widget', 'waha', 'whatsapp', 'instagram', 'api'];

export interface ChatListQuery {
  channelIds: string[];
  channelTypes: ChannelType[];
  ownerIds: string[];
  responderIds: string[];
  responderVersionIds: string[];
  search?: string;
  lastChatMessageCreatedAtStart?: Date | null;
  lastChatMessageCreatedAtEnd?: Date | null;
  pageNumber: number;
  pageSize: number;
}

export type ChatDetailsQuery = Pick<ChatListQuery, 'channelIds' | 'responderIds' | 'responderVersionIds' | 'search' | 'pageNumber' | 'pageSize'>;

/** A chat to create; `createdAt` (default now) is for importing history and the demo, not on the API. */
export interface NewChat {
  channelId: string | null;
  ownerId: string;
  title: string | null;
  createdAt?: Date;
}

/**
 * Creates a chat. A caller who sees only their own chats and creates one owned by someone else becomes
 * its participant (role `admin`) in the same transaction, so the chat they made stays within their reach.
 */
export async function createChat(
  db: Kysely<Database>,
  principal: Principal,
  input: NewChat,
  idempotencyKey?: string,
): Promise<{ value: ChatRecord; replayed: boolean }> {
  const scope = { principal, key: idempotencyKey, operation: 'create-chat', request: input };
  return withIdempotency(db, scope, reviveChatRecord, (record) => insertNewChat(db, principal, input, record));
}

const reviveChatRecord = (stored: unknown) => reviveDates<ChatRecord>(stored, ['lastMessageAt', 'createdAt', 'updatedAt']);

async function insertNewChat(
  db: Kysely<Database>,
  principal: Principal,
  input: NewChat,
  record: RecordOutcome<ChatRecord>,
): Promise<Outcome<ChatRecord>> {
  const owner = await findIdentity(db, principal.workspaceId, input.ownerId);
  if (!owner) throw AppError.notFound('Owner');
  if (owner.kind !== 'user' && owner.kind !== 'contact') {
    throw AppError.invalid('body.ownerId', `refers to a ${owner.kind}`, 'ownerId must be a user or an external user, not an agent or a squad');
  }
  let responderId: string;
  if (input.channelId) {
    const channel = await findChannel(db, principal.workspaceId, input.channelId);
    if (!channel) throw AppError.notFound('Channel');
    responderId = channel.responderId;
  } else {
    const workspace = await findWorkspace(db, principal.workspaceId);
    if (!workspace?.defaultResponderId) {
      throw AppError.invalid('body.channelId', 'is required in this workspace', 'This workspace has no default responder; create the chat on a channel');
    }
    responderId = workspace.defaultResponderId;
  }
  const responder = await findIdentity(db, principal.workspaceId, responderId);
  const isAgent = responder?.kind === 'agent';
  const responderVersionId = isAgent ? await findAssistantCurrentVersion(db, responderId) : null;
  return db.transaction().execute(async (trx) => {
    const chat = await insertChat(trx, {
      workspaceId: principal.workspaceId,
      channelId: input.channelId,
      ownerId: input.ownerId,
      responderId,
      currentResponderId: isAgent ? responderId : null,
      responderVersionId,
      title: input.title,
      createdAt: input.createdAt,
    });
    if (!hasFullReach(principal) && input.ownerId !== principal.memberIdentityId) {
      await insertParticipant(trx, { chatId: chat.id, memberId: principal.memberId, role: 'admin' });
    }
    await recordEvent(trx, chatEvent('chat.created', chat, { title: chat.title, channel: chat.channelId, ownerId: chat.ownerId }));
    const outcome: Outcome<ChatRecord> = { ok: true, value: chat };
    await record(trx, outcome);
    return outcome;
  });
}

export async function getChat(db: Executor, principal: Principal, id: string): Promise<ChatRecord> {
  const chat = await findChat(db, chatReach(principal), id);
  if (!chat) throw AppError.notFound('Chat');
  return chat;
}

export async function updateChat(
  db: Executor,
  principal: Principal,
  id: string,
  patch: { title?: string | null; lastChatMessageCreatedAt?: Date | null },
): Promise<ChatRecord> {
  const chat = await findChat(db, chatReach(principal), id);
  if (!chat) throw AppError.notFound('Chat');
  if (chat.isRemoved) throw new AppError('conflict', 'Chat has been removed and can no longer be updated');
  return withinTransaction(db, async (trx) => {
    const updated = await updateChatRecord(trx, principal.workspaceId, id, { title: patch.title, lastMessageAt: patch.lastChatMessageCreatedAt });
    if (!updated) throw AppError.notFound('Chat');
    if (updated.title !== chat.title) await recordEvent(trx, chatEvent('chat.updated', updated, { changes: { title: updated.title } }));
    return updated;
  });
}

export async function removeChat(db: Executor, principal: Principal, id: string): Promise<{ message: string }> {
  const chat = await findChat(db, chatReach(principal), id);
  if (!chat) throw AppError.notFound('Chat');
  if (chat.isRemoved) return { message: 'Chat was already removed' };
  return withinTransaction(db, async (trx) => {
    // Undefined when a call racing this one removed it first: that call records the event.
    const removed = await updateChatRecord(trx, principal.workspaceId, id, { isRemoved: true });
    if (removed) await recordEvent(trx, chatEvent('chat.removed', removed));
    return { message: removed ? 'Chat removed' : 'Chat was already removed' };
  });
}

export async function listChats(db: Executor, principal: Principal, query: ChatListQuery): Promise<Page<ChatRecord>> {
  return listChatRecords(
    db,
    {
      reach: chatReach(principal),
      channelIds: query.channelIds,
      channelTypes: query.channelTypes,
      ownerIds: query.ownerIds,
      responderIds: query.responderIds,
      responderVersionIds: query.responderVersionIds,
      search: query.search,
      lastMessageFrom: query.lastChatMessageCreatedAtStart ?? undefined,
      lastMessageTo: query.lastChatMessageCreatedAtEnd ?? undefined,
    },
    pageWindow(query.pageNumber, query.pageSize),
  );
}

export async function listChatDetails(db: Executor, principal: Principal, query: ChatDetailsQuery): Promise<Page<ChatDetailsRecord>> {
  return listChatDetailRecords(
    db,
    {
      reach: chatReach(principal),
      channelIds: query.channelIds,
      responderIds: query.responderIds,
      responderVersionIds: query.responderVersionIds,
      search: query.search,
    },
    pageWindow(query.pageNumber, query.pageSize),
  );
}

/**
 * One chat with details. `responderVersionId` resolves the responder's version fields against that
 * version of the chat's responder instead of the version the chat runs on.
 */
export async function getChatDetails(
  db: Executor,
  principal: Principal,
  id: string,
  responderVersionId?: string,
): Promise<ChatDetailsRecord> {
  const details = await findChatDetails(db, chatReach(principal), id, responderVersionId);
  if (!details) throw AppError.notFound('Chat');
  if (responderVersionId && !(await findAssistantVersion(db, details.responderId, responderVersionId))) {
    throw AppError.notFound("Version of the chat's responder");
  }
  return details;
}
