import { type Kysely, sql } from 'kysely';

// Frozen in time. What the org chats listing (`GET /v1/orgs/{org_id}/chats`) needs beyond the initial domain: per-identity
// read markers (unseen counts, the UNREAD inbox), the chat's model, tools, features, conversation id
// and link, sessions, contact handles, whether a channel (the assistant's integration) is enabled,
// tools and features per message, and an index for the inbox's "latest activity first" order.
export async function up(db: Kysely<any>): Promise<void> {
  // Keyed by identity, not member: the chat's contact (who has no member row) has a marker too.
  await db.schema
    .createTable('chat_read_markers')
    .addColumn('chat_id', 'uuid', (c) => c.notNull().references('chats.id').onDelete('cascade'))
    .addColumn('identity_id', 'uuid', (c) => c.notNull().references('identities.id').onDelete('cascade'))
    .addColumn('seen_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_read_markers_pkey', ['chat_id', 'identity_id'])
    .execute();

  await db.schema
    .alterTable('chats')
    .addColumn('model', 'text')
    .addColumn('conversation_id', 'text')
    .addColumn('link', 'text')
    .addColumn('owner_session_id', 'text')
    .addColumn('tools', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('features', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.alterTable('participants').addColumn('session_id', 'text').execute();
  await db.schema.alterTable('contacts').addColumn('handle', 'text').execute();
  await db.schema.alterTable('channels').addColumn('is_enabled', 'boolean', (c) => c.notNull().defaultTo(true)).execute();
  await db.schema
    .alterTable('messages')
    .addColumn('tools', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('features', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();

  // The inbox lists by latest activity (last message, else creation), newest first, keyset-paged.
  await sql`create index chats_ws_activity_idx on chats (workspace_id, (coalesce(last_message_at, created_at)) desc, id desc) where not is_removed`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists chats_ws_activity_idx`.execute(db);
  await db.schema.alterTable('messages').dropColumn('tools').dropColumn('features').execute();
  await db.schema.alterTable('channels').dropColumn('is_enabled').execute();
  await db.schema.alterTable('contacts').dropColumn('handle').execute();
  await db.schema.alterTable('participants').dropColumn('session_id').execute();
  await db.schema
    .alterTable('chats')
    .dropColumn('model').dropColumn('conversation_id').dropColumn('link').dropColumn('owner_session_id').dropColumn('tools').dropColumn('features')
    .execute();
  await db.schema.dropTable('chat_read_markers').ifExists().execute();
}
