import { sql } from 'kysely';
import type { Executor } from '../executor.js';
import { type KeysetPage, type KeysetPageRequest, readKeysetPage } from '../paging.js';
import { definedColumns, type RowOf } from '../rows.js';

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

// Label definitions: the labels a workspace tags chats with, and summarize?update_labels=true picks from.
// Names are unique per workspace, case-insensitively.

export interface LabelDefinitionRecord {
  id: string;
  name: string;
  description: string | null;
  color: string | null;
  keywords: string[];
  /** Chats tagged with the label (removed chats left out). */
  chatCount: number;
  createdAt: Date;
}

export interface LabelDefinitionPatch {
  name?: string;
  description?: string | null;
  color?: string | null;
  keywords?: string[];
}

function labelsQuery(db: Executor, workspaceId: string) {
  return db
    .selectFrom('labels as l')
    .select((eb) => [
      'l.id', 'l.name', 'l.description', 'l.color', 'l.keywords', 'l.created_at',
      eb
        .selectFrom('chat_labels as cl')
        .innerJoin('chats as c', 'c.id', 'cl.chat_id')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('cl.label_id', '=', 'l.id')
        .where('c.is_removed', '=', false)
        .as('chat_count'),
    ])
    .where('l.workspace_id', '=', workspaceId);
}

function toLabel(r: RowOf<typeof labelsQuery>): LabelDefinitionRecord {
  return { id: r.id, name: r.name, description: r.description, color: r.color, keywords: r.keywords, chatCount: Number(r.chat_count ?? 0), createdAt: r.created_at };
}

export async function findLabelDefinition(db: Executor, workspaceId: string, id: string): Promise<LabelDefinitionRecord | undefined> {
  const row = await labelsQuery(db, workspaceId).where('l.id', '=', id).executeTakeFirst();
  return row && toLabel(row);
}

/** The workspace's label definitions by name, then id. */
export async function listLabelDefinitions(db: Executor, workspaceId: string, page: KeysetPageRequest): Promise<KeysetPage<LabelDefinitionRecord>> {
  return readKeysetPage(labelsQuery(db, workspaceId), 'l.name', 'l.id', page, toLabel);
}

/** A new label definition; undefined when the workspace has one of that name (any letter case). */
export async function insertLabelDefinition(
  db: Executor,
  input: { workspaceId: string; name: string; description?: string | null; color?: string | null; keywords?: string[] },
): Promise<{ id: string } | undefined> {
  return db
    .insertInto('labels')
    .values({ workspace_id: input.workspaceId, name: input.name, description: input.description ?? null, color: input.color ?? null, keywords: input.keywords ?? [] })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
}

/** Writes the given fields; false when the workspace has no such label. A taken name throws a unique violation. */
export async function updateLabelDefinition(db: Executor, workspaceId: string, id: string, patch: LabelDefinitionPatch): Promise<boolean> {
  const row = await db
    .updateTable('labels')
    .set({
      id: sql<string>`id`,
      ...definedColumns(patch, ['name', 'description', 'color', 'keywords']),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** Deletes a label definition and takes it off every chat. */
export async function deleteLabelDefinition(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const row = await db.deleteFrom('labels').where('workspace_id', '=', workspaceId).where('id', '=', id).returning('id').executeTakeFirst();
  return row !== undefined;
}
