import { type Selectable, sql } from 'kysely';
import type { Executor } from '../executor.js';
import { keysetPage } from '../paging.js';
import { fieldsOf } from '../rows.js';
import type { DeliveryStatus, MessageRole, MessagesTable } from '../schema.js';
import { exactText } from '../times.js';

/** A tool the assistant called in a message, stored in `messages.tool_calls`. */
export interface ToolCallRecord {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

/** What both kinds of new message say: their content, the model's usage, and what the statistics read. */
export interface NewMessageContent {
  role: MessageRole;
  content: string;
  toolCalls?: ToolCallRecord[];
  /** Structured parts (stored JSON); a single text part of `content` when absent. */
  parts?: unknown[];
  /** When the message was written at its source. */
  createdAt?: Date;
  intentName?: string | null;
  intentScore?: number | null;
  model?: string | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  reasoningTokens?: number | null;
  cachedInputTokens?: number | null;
}

export interface NewMessageInput extends NewMessageContent {
  authorId?: string | null;
  tools?: unknown[];
  features?: Record<string, unknown>;
  status?: 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED';
  error?: string | null;
}

/** The columns of a new message that hold its NewMessageContent (all but its time). */
function contentColumns(m: NewMessageContent) {
  return {
    role: m.role,
    content: m.content,
    parts: JSON.stringify(m.parts ?? [{ type: 'text', text: m.content }]),
    tool_calls: JSON.stringify(m.toolCalls ?? []),
    model: m.model ?? null,
    input_tokens: m.inputTokens ?? null,
    output_tokens: m.outputTokens ?? null,
    reasoning_tokens: m.reasoningTokens ?? null,
    cached_input_tokens: m.cachedInputTokens ?? null,
    intent_name: m.intentName ?? null,
    intent_score: m.intentScore ?? null,
  };
}

/**
 * Appends messages to one chat and moves the chat's last-message time and message count with them,
 * in the same statement so the two never disagree.
 */
export async function appendMessages(db: Executor, workspaceId: string, chatId: string, messages: NewMessageInput[]): Promise<void> {
  if (messages.length === 0) return;
  await db
    .insertInto('messages')
    .values(
      messages.map((m) => ({
        workspace_id: workspaceId,
        chat_id: chatId,
        author_id: m.authorId ?? null,
        ...contentColumns(m),
        tools: JSON.stringify(m.tools ?? []),
        features: JSON.stringify(m.features ?? {}),
        status: m.status,
        error: m.error ?? null,
        step: null,
        rating: null,
        created_at: m.createdAt,
        updated_at: m.createdAt,
      })),
    )
    .execute();
  const latest = messages.reduce<Date | undefined>((max, m) => (m.createdAt && (!max || m.createdAt > max) ? m.createdAt : max), undefined);
  await db
    .updateTable('chats')
    .set((eb) => ({
      message_count: eb('message_count', '+', messages.length),
      last_message_at: latest ? sql<Date>`greatest(last_message_at, ${latest})` : sql<Date>`now()`,
    }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', chatId)
    .execute();
}

export interface ChatMessageRecord {
  id: string;
  number: number;
  chatId: string;
  authorId: string | null;
  role: MessageRole;
  content: string;
  toolCalls: ToolCallRecord[];
  rating: number | null;
  deliveryStatus: DeliveryStatus | null;
  deliveryError: string | null;
  createdAt: Date;
  /** created_at as Postgres prints it (microseconds kept): the exact value for a cursor. */
  createdAtText: string;
}

export interface NewChatMessage extends NewMessageContent {
  authorId: string | null;
  deliveryStatus?: DeliveryStatus | null;
  /** When absent, now (the statement's clock). */
  createdAt?: Date;
  step?: string | null;
}

const messageColumns = ['id', 'number', 'chat_id', 'author_id', 'role', 'content', 'tool_calls', 'rating', 'delivery_status', 'delivery_error', 'created_at'] as const;

/** The columns of a ChatMessageRecord, created_at also as exact text (a cursor's value). */
const messageSelection = [...messageColumns, exactText('created_at').as('created_at_text')] as const;

type MessageRow = Pick<Selectable<MessagesTable>, (typeof messageColumns)[number]> & { created_at_text: string };

function toMessage(row: MessageRow): ChatMessageRecord {
  const toolCalls = typeof row.tool_calls === 'string' ? JSON.parse(row.tool_calls) : row.tool_calls;
  return { ...fieldsOf(row, [...messageColumns, 'created_at_text']), toolCalls: (toolCalls ?? []) as ToolCallRecord[] };
}

/**
 * Appends messages to a chat in the given order and moves the chat with them: message count, last
 * message time, and `needsResponse` when given. Times come from clock_timestamp(), not the transaction's
 * start, so messages written under the chat's lock are ordered as they were written.
 */
export async function insertChatMessages(
  db: Executor,
  chat: { workspaceId: string; chatId: string },
  messages: NewChatMessage[],
  options: { needsResponse?: boolean; language?: string } = {},
): Promise<ChatMessageRecord[]> {
  const records: ChatMessageRecord[] = [];
  // One statement per message: clock_timestamp() then differs between them and the order holds.
  for (const m of messages) {
    const row = await db
      .insertInto('messages')
      .values({
        workspace_id: chat.workspaceId,
        chat_id: chat.chatId,
        author_id: m.authorId,
        ...contentColumns(m),
        error: null,
        step: m.step ?? null,
        rating: null,
        delivery_status: m.deliveryStatus ?? null,
        created_at: m.createdAt ?? sql<Date>`clock_timestamp()`,
        updated_at: sql<Date>`clock_timestamp()`,
      })
      .returning(messageSelection)
      .executeTakeFirstOrThrow();
    records.push(toMessage(row));
  }
  if (records.length > 0) {
    const latest = records.reduce((max, r) => (r.createdAt > max ? r.createdAt : max), records[0]!.createdAt);
    await db
      .updateTable('chats')
      .set((eb) => ({
        message_count: eb('message_count', '+', records.length),
        last_message_at: sql<Date>`greatest(last_message_at, ${latest})`,
        ...(options.needsResponse !== undefined && { needs_response: options.needsResponse }),
        ...(options.language !== undefined && { language: options.language }),
        updated_at: sql<Date>`now()`,
      }))
      .where('workspace_id', '=', chat.workspaceId)
      .where('id', '=', chat.chatId)
      .execute();
  }
  return records;
}

export interface MessageCursor {
  /** created_at as text, exact. */
  createdAt: string;
  number: number;
}

/** One page of a chat's messages by (created_at, number), oldest first (`asc`) or newest first. */
export async function listChatMessages(
  db: Executor,
  chatId: string,
  page: { limit: number; order: 'asc' | 'desc'; cursor?: MessageCursor; roles?: MessageRole[] },
): Promise<{ items: ChatMessageRecord[]; hasMore: boolean }> {
  const further = page.order === 'asc' ? '>' : '<';
  const rows = await db
    .selectFrom('messages')
    .select(messageSelection)
    .where('chat_id', '=', chatId)
    .$if(page.roles !== undefined, (qb) => qb.where('role', 'in', page.roles!))
    .$if(page.cursor !== undefined, (qb) =>
      qb.where(sql`(created_at, number)`, further, sql`(cast(${page.cursor!.createdAt} as timestamptz), ${page.cursor!.number})`),
    )
    .orderBy('created_at', page.order)
    .orderBy('number', page.order)
    .limit(page.limit + 1)
    .execute();
  return keysetPage(rows, page.limit, toMessage);
}

export async function findChatMessage(db: Executor, chatId: string, messageId: string): Promise<ChatMessageRecord | undefined> {
  const row = await db
    .selectFrom('messages')
    .select(messageSelection)
    .where('chat_id', '=', chatId)
    .where('id', '=', messageId)
    .executeTakeFirst();
  return row && toMessage(row);
}

export async function setMessageRating(db: Executor, chatId: string, messageId: string, rating: number | null): Promise<ChatMessageRecord | undefined> {
  const row = await db
    .updateTable('messages')
    .set({ rating, updated_at: sql<Date>`now()` })
    .where('chat_id', '=', chatId)
    .where('id', '=', messageId)
    .returning(messageSelection)
    .executeTakeFirst();
  return row && toMessage(row);
}

export async function setMessageDelivery(db: Executor, messageId: string, status: DeliveryStatus, error: string | null): Promise<void> {
  await db.updateTable('messages').set({ delivery_status: status, delivery_error: error, updated_at: sql<Date>`now()` }).where('id', '=', messageId).execute();
}
