import { sql } from 'kysely';
import type { Executor } from '../executor.js';

// Labels (the workspace's definitions), the chats they are on, and the summary that sets them.

export interface LabelRecord {
  id: string;
  name: string;
  description: string | null;
  keywords: string[];
}

export async function insertLabel(
  db: Executor,
  input: { workspaceId: string; name: string; description?: string | null; color?: string | null; keywords?: string[] },
): Promise<LabelRecord> {
  const row = await db
    .insertInto('labels')
    .values({ workspace_id: input.workspaceId, name: input.name, description: input.description ?? null, color: input.color ?? null, keywords: input.keywords ?? [] })
    .returning(['id', 'name', 'description', 'keywords'])
    .executeTakeFirstOrThrow();
  return row;
}

/** The workspace's label definitions, by name. */
export async function listLabels(db: Executor, workspaceId: string): Promise<LabelRecord[]> {
  return db.selectFrom('labels').select(['id', 'name', 'description', 'keywords']).where('workspace_id', '=', workspaceId).orderBy('name').execute();
}

/** Stores a summary and title; with `labelIds`, the chat's labels become exactly those. */
export async function setChatSummary(db: Executor, chat: { workspaceId: string; chatId: string }, input: { summary: string; title: string; labelIds?: string[] }): Promise<void> {
  await db
    .updateTable('chats')
    .set({ summary: input.summary, title: input.title, summary_updated_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('workspace_id', '=', chat.workspaceId)
    .where('id', '=', chat.chatId)
    .execute();
  if (input.labelIds) {
    await db.deleteFrom('chat_labels').where('chat_id', '=', chat.chatId).execute();
    if (input.labelIds.length > 0) {
      await db.insertInto('chat_labels').values(input.labelIds.map((labelId) => ({ chat_id: chat.chatId, label_id: labelId }))).execute();
    }
  }
}

/** The chat's labels become exactly `labelIds`. */
export async function replaceChatLabels(db: Executor, chatId: string, labelIds: string[]): Promise<void> {
  await db.deleteFrom('chat_labels').where('chat_id', '=', chatId).execute();
  if (labelIds.length > 0) await db.insertInto('chat_labels').values(labelIds.map((labelId) => ({ chat_id: chatId, label_id: labelId }))).execute();
}
