import { type Selectable, sql } from 'kysely';
import type { Executor } from '../executor.js';
import { type KeysetPage, type KeysetPageRequest, readKeysetPage } from '../paging.js';
import { definedColumns, fieldsOf } from '../rows.js';
import type { ChatToolsTable } from '../schema.js';

// The tools a chat's assistant may call (chat_tools).

export interface ChatToolRecord {
  id: string;
  /** Null for a tool of the whole workspace. */
  chatId: string | null;
  name: string;
  description: string | null;
  callbackUrl: string;
  inputSchema: Record<string, unknown>;
  timeoutMs: number | null;
  createdAt: Date;
}

function toTool(row: Selectable<ChatToolsTable>): ChatToolRecord {
  return {
    ...fieldsOf(row, ['id', 'chat_id', 'name', 'description', 'callback_url', 'input_schema', 'timeout_ms', 'created_at']),
    inputSchema: typeof row.input_schema === 'string' ? JSON.parse(row.input_schema) : row.input_schema,
  };
}

export async function insertChatTool(
  db: Executor,
  input: { workspaceId: string; chatId: string; name: string; description?: string | null; callbackUrl: string; inputSchema?: Record<string, unknown>; timeoutMs?: number | null },
): Promise<ChatToolRecord> {
  const row = await db
    .insertInto('chat_tools')
    .values({
      workspace_id: input.workspaceId,
      chat_id: input.chatId,
      name: input.name,
      description: input.description ?? null,
      callback_url: input.callbackUrl,
      input_schema: JSON.stringify(input.inputSchema ?? { type: 'object' }),
      timeout_ms: input.timeoutMs ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toTool(row);
}

/**
 * The tools the chat may call, by name: its own and its workspace's (chat_id null); where both have a
 * name (in any letter case), the chat's own.
 */
export async function listChatTools(db: Executor, chatId: string): Promise<ChatToolRecord[]> {
  const rows = await db
    .selectFrom('chat_tools')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('chat_id', '=', chatId),
        eb.and([eb('chat_id', 'is', null), eb('workspace_id', '=', eb.selectFrom('chats').select('chats.workspace_id').where('chats.id', '=', chatId))]),
      ]),
    )
    .orderBy('name')
    .orderBy(sql`chat_id is null`)
    .execute();
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.name.toLowerCase()) && seen.add(r.name.toLowerCase())).map(toTool);
}

// The workspace's chat tools: HTTP callbacks every chat's assistant may call (send-assistant-message's
// tool_calls), beside the tools of one chat. Names are unique per workspace, case-insensitively.

export type WorkspaceToolRecord = Omit<ChatToolRecord, 'chatId'>;

export interface WorkspaceToolPatch {
  name?: string;
  description?: string | null;
  callbackUrl?: string;
  inputSchema?: Record<string, unknown>;
  timeoutMs?: number | null;
}

function toWorkspaceTool(row: Selectable<ChatToolsTable>): WorkspaceToolRecord {
  const { chatId: _, ...tool } = toTool(row);
  return tool;
}

function workspaceTools(db: Executor, workspaceId: string) {
  return db.selectFrom('chat_tools').selectAll().where('workspace_id', '=', workspaceId).where('chat_id', 'is', null);
}

export async function findWorkspaceTool(db: Executor, workspaceId: string, id: string): Promise<WorkspaceToolRecord | undefined> {
  const row = await workspaceTools(db, workspaceId).where('id', '=', id).executeTakeFirst();
  return row && toWorkspaceTool(row);
}

/** The workspace's tools by name, then id. */
export async function listWorkspaceTools(db: Executor, workspaceId: string, page: KeysetPageRequest): Promise<KeysetPage<WorkspaceToolRecord>> {
  return readKeysetPage(workspaceTools(db, workspaceId), 'name', 'id', page, toWorkspaceTool);
}

/** A new workspace tool; undefined when the workspace has a tool of that name (any letter case). */
export async function insertWorkspaceTool(
  db: Executor,
  input: { workspaceId: string; name: string; description?: string | null; callbackUrl: string; inputSchema: Record<string, unknown>; timeoutMs?: number | null },
): Promise<WorkspaceToolRecord | undefined> {
  const row = await db
    .insertInto('chat_tools')
    .values({
      workspace_id: input.workspaceId,
      chat_id: null,
      name: input.name,
      description: input.description ?? null,
      callback_url: input.callbackUrl,
      input_schema: JSON.stringify(input.inputSchema),
      timeout_ms: input.timeoutMs ?? null,
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && toWorkspaceTool(row);
}

/** Writes the given fields; undefined when the workspace has no such tool. A taken name throws a unique violation. */
export async function updateWorkspaceTool(db: Executor, workspaceId: string, id: string, patch: WorkspaceToolPatch): Promise<WorkspaceToolRecord | undefined> {
  const row = await db
    .updateTable('chat_tools')
    .set({
      id: sql<string>`id`,
      ...definedColumns(patch, ['name', 'description', 'callbackUrl', 'timeoutMs']),
      ...(patch.inputSchema !== undefined && { input_schema: JSON.stringify(patch.inputSchema) }),
    })
    .where('workspace_id', '=', workspaceId)
    .where('chat_id', 'is', null)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row && toWorkspaceTool(row);
}

export async function deleteWorkspaceTool(db: Executor, workspaceId: string, id: string): Promise<boolean> {
  const row = await db.deleteFrom('chat_tools').where('workspace_id', '=', workspaceId).where('chat_id', 'is', null).where('id', '=', id).returning('id').executeTakeFirst();
  return row !== undefined;
}
