import type { Selectable } from 'kysely';
import type { Executor } from '../executor.js';
import type { ChatToolsTable } from '../schema.js';

// The tools a chat's assistant may call (chat_tools).

export interface ChatToolRecord {
  id: string;
  chatId: string;
  name: string;
  description: string | null;
  callbackUrl: string;
  inputSchema: Record<string, unknown>;
  timeoutMs: number | null;
  createdAt: Date;
}

function toTool(row: Selectable<ChatToolsTable>): ChatToolRecord {
  return {
    id: row.id,
    chatId: row.chat_id,
    name: row.name,
    description: row.description,
    callbackUrl: row.callback_url,
    inputSchema: typeof row.input_schema === 'string' ? JSON.parse(row.input_schema) : row.input_schema,
    timeoutMs: row.timeout_ms,
    createdAt: row.created_at,
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

/** The chat's tools by name. */
export async function listChatTools(db: Executor, chatId: string): Promise<ChatToolRecord[]> {
  const rows = await db.selectFrom('chat_tools').selectAll().where('chat_id', '=', chatId).orderBy('name').execute();
  return rows.map(toTool);
}
