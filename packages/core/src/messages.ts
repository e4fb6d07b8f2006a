import { type ActionChatRecord, type ChatMessageRecord, type Database, type Executor, findChatMessage, findSquadLead, insertChatMessages, listChatMessages, setCurrentResponder, setMessageRating } from '@parley/db';
import type { Kysely } from 'kysely';
import type { Principal } from './auth.js';
import { requireActionChat } from './chats/workspace.js';
import { cursorCodec, isOneOf, isRowNumber, isTimestampText } from './cursors.js';
import { AppError } from './errors.js';
import { messageCreatedEvent, needsResponseEvents, recordEvents } from './events/log.js';
import { type Outcome, reviveDates, withIdempotency } from './idempotency.js';

// The messages of a v2 chat: those arriving from its channel (or team notes), the history, ratings.
// Sending as the assistant is in deliveries.ts.

type Db = Kysely<Database>;

/**
 * The assistant answering the chat: the squad's current one, or the chat's own assistant. A squad's chat that no
 * assistant has answered yet is taken by the squad's first assistant (`takes`: the caller records it as
 * the chat's current responder, with the message).
 */
export async function assistantOf(db: Executor, chat: ActionChatRecord): Promise<{ id: string; takes: boolean }> {
  const id = chat.currentResponderId ?? (chat.responderKind === 'agent' ? chat.responderId : null);
  if (id) return { id, takes: false };
  const lead = chat.responderKind === 'squad' ? await findSquadLead(db, chat.responderId) : undefined;
  if (!lead) throw new AppError('not_found', `Assistant not found: no assistant is answering chat ${chat.number}`);
  return { id: lead, takes: true };
}

/** Records who answers a squad's chat, when its first assistant message took it. */
export async function takeChat(db: Executor, chat: ActionChatRecord, assistant: { id: string; takes: boolean }): Promise<void> {
  if (assistant.takes) await setCurrentResponder(db, chat.id, assistant.id);
}

/** A message as an idempotent replay stored it, its dates revived. */
export const reviveMessage = (m: unknown) => reviveDates<ChatMessageRecord>(m, ['createdAt']);

export type IncomingRole = 'user' | 'assistant' | 'note';

/** A message from the chat's channel, with what the statistics read of it (language, intent, step) and its usage. */
export interface IncomingMessage {
  role: IncomingRole;
  content: string;
  createdAt?: Date;
  /** The detected language: it becomes the chat's (the conversation's) language. */
  language?: string;
  intent?: { name: string; score?: number | null };
  step?: string;
  model?: string;
  usage?: { inputTokens?: number; outputTokens?: number; reasoningTokens?: number; cachedInputTokens?: number };
}

/**
 * Records a message that arrived on the chat's channel (or a team note). A user message marks the chat
 * as waiting for an answer; an assistant message marks it answered; a note changes neither.
 */
export async function recordChatMessage(
  db: Db,
  principal: Principal,
  chatNumber: number,
  input: IncomingMessage,
  idempotencyKey?: string,
): Promise<{ value: ChatMessageRecord; replayed: boolean }> {
  const scope = { principal, key: idempotencyKey, operation: `record-message:${chatNumber}`, request: { ...input, createdAt: input.createdAt?.toISOString() } };
  return withIdempotency(db, scope, reviveMessage, async (record) =>
    db.transaction().execute(async (trx) => {
      const chat = await requireActionChat(trx, principal, chatNumber, { lock: true });
      const assistant = input.role === 'assistant' ? await assistantOf(trx, chat) : undefined;
      const authorId = input.role === 'user' ? chat.ownerId : assistant ? assistant.id : principal.memberIdentityId;
      if (assistant) await takeChat(trx, chat, assistant);
      const needsResponse = input.role === 'user' ? true : input.role === 'assistant' ? false : undefined;
      const [message] = await insertChatMessages(
        trx,
        { workspaceId: chat.workspaceId, chatId: chat.id },
        [
          {
            role: input.role,
            content: input.content,
            authorId,
            createdAt: input.createdAt,
            intentName: input.intent?.name,
            intentScore: input.intent?.score ?? null,
            step: input.step,
            model: input.model,
            inputTokens: input.usage?.inputTokens,
            outputTokens: input.usage?.outputTokens,
            reasoningTokens: input.usage?.reasoningTokens,
            cachedInputTokens: input.usage?.cachedInputTokens,
          },
        ],
        { needsResponse, language: input.language },
      );
      await recordEvents(trx, [
        messageCreatedEvent(chat, message!),
        ...(needsResponse !== undefined && needsResponse !== chat.needsResponse ? needsResponseEvents(chat, needsResponse) : []),
      ]);
      const outcome: Outcome<ChatMessageRecord> = { ok: true, value: message! };
      await record(trx, outcome);
      return outcome;
    }),
  );
}

export interface MessageHistoryQuery {
  limit: number;
  order: 'asc' | 'desc';
  cursor?: string;
}

/** A position: the order, created_at as Postgres prints it (microseconds kept) and the message number. */
const messageCursor = cursorCodec('chat-messages', { o: isOneOf(['asc', 'desc']), t: isTimestampText, n: isRowNumber });

function encodeMessageCursor(principal: Principal, order: 'asc' | 'desc', m: ChatMessageRecord): string {
  return messageCursor.encode(principal.workspaceSecret, { o: order, t: m.createdAtText, n: m.number });
}

function decodeMessageCursor(principal: Principal, cursor: string, order: 'asc' | 'desc') {
  const payload = messageCursor.decode(principal.workspaceSecret, cursor, 'query.cursor');
  if (payload.o !== order) {
    const message = 'was issued for the other order; keep order unchanged while paging';
    throw AppError.invalid('query.cursor', message, `Invalid cursor: ${message}`);
  }
  return { createdAt: payload.t, number: payload.n };
}

export async function chatMessageHistory(
  db: Executor,
  principal: Principal,
  chatNumber: number,
  query: MessageHistoryQuery,
): Promise<{ items: ChatMessageRecord[]; hasMore: boolean; nextCursor: string | null }> {
  const chat = await requireActionChat(db, principal, chatNumber);
  const cursor = query.cursor ? decodeMessageCursor(principal, query.cursor, query.order) : undefined;
  const page = await listChatMessages(db, chat.id, { limit: query.limit, order: query.order, cursor });
  const last = page.items.at(-1);
  return { ...page, nextCursor: page.hasMore && last ? encodeMessageCursor(principal, query.order, last) : null };
}

/** Rates an assistant message: 1 (helpful) or -1 (not helpful); null clears the rating. */
export async function rateChatMessage(db: Executor, principal: Principal, chatNumber: number, messageId: string, rating: 1 | -1 | null): Promise<ChatMessageRecord> {
  const chat = await requireActionChat(db, principal, chatNumber);
  const message = await findChatMessage(db, chat.id, messageId);
  if (!message) throw AppError.notFound('Message');
  if (message.role !== 'assistant') {
    throw new AppError('bad_request', `Only assistant messages can be rated; this one is a ${message.role} message`, { issues: [{ path: 'path.uuid', message: `is a ${message.role} message` }] });
  }
  return (await setMessageRating(db, chat.id, messageId, rating))!;
}
