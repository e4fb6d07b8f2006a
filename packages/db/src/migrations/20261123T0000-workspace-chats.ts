import { type Kysely, sql } from 'kysely';

// Frozen in time. The v2 chats list and its statistics: tool-call names come from the few messages that
// hold tool calls, so those get a partial index instead of a scan of every message.
export async function up(db: Kysely<any>): Promise<void> {
  // Search is a case-insensitive substring of titles and message content (ILIKE '%term%'). Trigram indexes
  // let a rare term find its few messages instead of reading every message of the workspace.
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`create index messages_content_trgm_idx on messages using gin (content gin_trgm_ops)`.execute(db);
  await sql`create index chats_title_trgm_idx on chats using gin (title gin_trgm_ops) where not is_removed`.execute(db);
  await sql`create index messages_ws_tool_calls_idx on messages (workspace_id) where jsonb_array_length(tool_calls) > 0`.execute(db);
  // The v2 list pages in (sort column, number) order; these let a page read only its rows, either way
  // for the non-null columns and newest first (nulls last) for the latest message.
  await sql`create index chats_ws_created_number_idx on chats (workspace_id, created_at, number) where not is_removed`.execute(db);
  await sql`create index chats_ws_updated_number_idx on chats (workspace_id, updated_at, number) where not is_removed`.execute(db);
  await sql`create index chats_ws_last_message_number_idx on chats (workspace_id, last_message_at desc nulls last, number desc) where not is_removed`.execute(db);
  // The inbox's own filter: few chats need a response, but they are the newest, which the planner cannot
  // know from per-column statistics. Without these it reads every chat of a channel to sort a page.
  await sql`create index chats_ws_needs_response_created_idx on chats (workspace_id, created_at, number) where needs_response and not is_removed`.execute(db);
  await sql`create index chats_ws_needs_response_last_message_idx on chats (workspace_id, last_message_at desc nulls last, number desc) where needs_response and not is_removed`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists chats_title_trgm_idx`.execute(db);
  await sql`drop index if exists messages_content_trgm_idx`.execute(db);
  await sql`drop index if exists chats_ws_needs_response_last_message_idx`.execute(db);
  await sql`drop index if exists chats_ws_needs_response_created_idx`.execute(db);
  await sql`drop index if exists chats_ws_last_message_number_idx`.execute(db);
  await sql`drop index if exists chats_ws_updated_number_idx`.execute(db);
  await sql`drop index if exists chats_ws_created_number_idx`.execute(db);
  await sql`drop index if exists messages_ws_tool_calls_idx`.execute(db);
}
