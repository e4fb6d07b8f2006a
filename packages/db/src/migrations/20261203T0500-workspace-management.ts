import { type Kysely, sql } from 'kysely';

// Frozen in time. What managing a workspace through the API needs:
// - chat tools of the whole workspace (chat_id null), beside the tools of one chat; a workspace tool's
//   name is unique in its workspace, case-insensitively, as the assistant calls tools by name;
// - names that identify a thing are unique per workspace, case-insensitively: channels, label
//   definitions, and responders (assistants and squads share one namespace: chats show either by name);
// - the name search of the directory lists (contacts, assistants, squads) by trigram;
// - call records on a chat: each call's times, duration, direction and outcome. The chat keeps the
//   total the statistics read (call_* columns), rewritten from its calls whenever one changes, so the
//   chats trigger marks the slices to roll up again.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('chat_tools').alterColumn('chat_id', (c) => c.dropNotNull()).execute();
  await sql`create unique index chat_tools_workspace_name_key on chat_tools (workspace_id, lower(name)) where chat_id is null`.execute(db);
  await sql`create unique index channels_workspace_name_key on channels (workspace_id, lower(name))`.execute(db);
  await sql`create unique index labels_workspace_lower_name_key on labels (workspace_id, lower(name))`.execute(db);
  await sql`create unique index identities_responder_name_key on identities (workspace_id, lower(display_name)) where kind in ('agent', 'squad')`.execute(db);
  // Directory lists page by (name, id) within a kind, and search names by trigram.
  await sql`create index identities_workspace_kind_name_idx on identities (workspace_id, kind, display_name, id)`.execute(db);
  await sql`create index identities_display_name_trgm_idx on identities using gin (display_name gin_trgm_ops)`.execute(db);

  await db.schema
    .createTable('calls')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('chat_id', 'uuid', (c) => c.notNull().references('chats.id').onDelete('cascade'))
    .addColumn('direction', 'text', (c) => c.notNull().check(sql`direction in ('inbound', 'outbound')`))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('duration_seconds', 'integer', (c) => c.check(sql`duration_seconds >= 0`))
    .addColumn('outcome', 'text')
    .addColumn('exit_step', 'text')
    .addColumn('transfer_target', 'text')
    .addColumn('user_inputs', 'integer', (c) => c.check(sql`user_inputs >= 0`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('calls_ended_after_start', sql`ended_at is null or ended_at >= started_at`)
    .execute();
  await sql`create index calls_chat_started_idx on calls (chat_id, started_at, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('calls').ifExists().execute();
  for (const index of ['identities_display_name_trgm_idx', 'identities_workspace_kind_name_idx', 'identities_responder_name_key', 'labels_workspace_lower_name_key', 'channels_workspace_name_key', 'chat_tools_workspace_name_key']) {
    await sql`drop index if exists ${sql.raw(index)}`.execute(db);
  }
  await db.deleteFrom('chat_tools').where('chat_id', 'is', null).execute();
  await db.schema.alterTable('chat_tools').alterColumn('chat_id', (c) => c.setNotNull()).execute();
}
