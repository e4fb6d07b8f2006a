import { sql } from 'kysely';
import type { Executor } from '../executor.js';
import type { MessageRole } from '../schema.js';

/** A tool the assistant called in a message, stored in `messages.tool_calls`. */
export interface ToolCallRecord {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface NewMessageInput {
  authorId?: string | null;
  toolCalls?: ToolCallRecord[];
  role: MessageRole;
  content: string;
  createdAt?: Date;
  intentName?: string | null;
  intentScore?: number | null;
  /** Stored JSON; defaults to one text part with the content. */
  parts?: unknown[];
  tools?: unknown[];
  features?: Record<string, unknown>;
  model?: string | null;
  status?: 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELED';
  error?: string | null;
  inputTokens?: number | null;
  outputTokens?: number | null;
  reasoningTokens?: number | null;
  cachedInputTokens?: number | null;
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
        role: m.role,
        content: m.content,
        parts: JSON.stringify(m.parts ?? [{ type: 'text', text: m.content }]),
        tool_calls: JSON.stringify(m.toolCalls ?? []),
        tools: JSON.stringify(m.tools ?? []),
        features: JSON.stringify(m.features ?? {}),
        model: m.model ?? null,
        status: m.status,
        error: m.error ?? null,
        input_tokens: m.inputTokens ?? null,
        output_tokens: m.outputTokens ?? null,
        reasoning_tokens: m.reasoningTokens ?? null,
        cached_input_tokens: m.cachedInputTokens ?? null,
        intent_name: m.intentName ?? null,
        intent_score: m.intentScore ?? null,
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
