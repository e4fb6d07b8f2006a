import { appendEvents, type ChatMessageRecord, type DeliveryStatus, type Executor } from '@parley/db';
import { EVENT_SCHEMA_VERSION, type EventType } from './catalog.js';

// Recording events: always inside the transaction (or the single statement's executor) that makes the
// change, so the change and its event commit together or not at all.

/** What a chat event names: enough to fetch the chat from every endpoint group. */
export interface ChatRef {
  workspaceId: string;
  /** The chat's uuid. */
  id: string;
  /** Its integer id (the v2 endpoints'). */
  number: number;
}

export interface EventInput {
  workspaceId: string;
  type: EventType;
  resourceId: string;
  chatId?: string | null;
  memberId?: number | null;
  data: Record<string, unknown>;
}

export async function recordEvents(trx: Executor, events: EventInput[]): Promise<void> {
  await appendEvents(
    trx,
    events.map((e) => ({
      workspaceId: e.workspaceId,
      type: e.type,
      resourceId: e.resourceId,
      chatId: e.chatId,
      memberId: e.memberId,
      payload: e.data,
      schemaVersion: EVENT_SCHEMA_VERSION,
    })),
  );
}

export const recordEvent = (trx: Executor, event: EventInput) => recordEvents(trx, [event]);

/** The `chat` object of chat events. */
export const chatRef = (chat: ChatRef) => ({ id: chat.id, number: chat.number });

/** A chat event of `type` with `data` beside the chat's reference. */
export function chatEvent(type: EventType, chat: ChatRef, data: Record<string, unknown> = {}): EventInput {
  return { workspaceId: chat.workspaceId, type, resourceId: chat.id, chatId: chat.id, data: { chat: chatRef(chat), ...data } };
}

/**
 * Runs `change` in a transaction: the caller's when `db` is one already, else a new one. For a change
 * and its event written by a function that may be given either.
 */
export function withinTransaction<T>(db: Executor, change: (trx: Executor) => Promise<T>): Promise<T> {
  return db.isTransaction ? change(db) : db.transaction().execute(change);
}

/** The `message` object of message events: the message as the v2 API returns it (`id` its uuid, `number` its integer id). */
export function messageData(m: ChatMessageRecord) {
  return {
    id: m.id,
    number: m.number,
    role: m.role,
    authorId: m.authorId,
    content: m.content,
    toolCalls: m.toolCalls,
    deliveryStatus: m.deliveryStatus,
    createdAt: m.createdAt.toISOString(),
  };
}

/** `message.created` for a message just written to `chat`. */
export function messageCreatedEvent(chat: ChatRef, message: ChatMessageRecord): EventInput {
  return { ...chatEvent('message.created', chat, { message: messageData(message) }), resourceId: message.id };
}

/** `message.delivery_updated`: the delivery of `messageId` over `channel` is now `status`. */
export function deliveryUpdatedEvent(chat: ChatRef, messageId: string, delivery: { channel: 'sms' | 'email'; provider: string; status: DeliveryStatus; error: string | null }): EventInput {
  return { ...chatEvent('message.delivery_updated', chat, { message: { id: messageId }, ...delivery }), resourceId: messageId };
}

/** A chat's needsResponse flipped (a message set or cleared it): `chat.updated` with the field, and `chat.needs_response`. */
export function needsResponseEvents(chat: ChatRef, needsResponse: boolean): EventInput[] {
  return [chatEvent('chat.updated', chat, { changes: { needsResponse } }), chatEvent('chat.needs_response', chat, { needsResponse })];
}
