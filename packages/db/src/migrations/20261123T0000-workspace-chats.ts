import { type Kysely, sql } from 'kysely';

// Frozen in time. The v2 chats list and its statistics: tool-call names come from the few messages that
// hold tool calls, so those get a partial index instead of a scan of every message.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index messages_ws_tool_calls_idx on messages (workspace_id) where jsonb_array_length(tool_calls) > 0`.execute(db);
  // The v2 list sorts by last change too.
  await sql`create index chats_ws_updated_idx on chats (workspace_id, updated_at desc, number desc) where not is_removed`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists chats_ws_updated_idx`.execute(db);
  await sql`drop index if exists messages_ws_tool_calls_idx`.execute(db);
}
