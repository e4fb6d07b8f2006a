import { appendEvents, type Executor } from '@parley/db';
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
