import { type Kysely, sql } from 'kysely';

// Per workspace, local day (in the workspace's time zone) and channel: what the statistics read
// instead of scanning chats and messages. Rebuilt for recent days by the rollup.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('chat_daily_stats')
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('day', 'date', (c) => c.notNull())
    .addColumn('channel_id', 'uuid', (c) => c.references('channels.id').onDelete('cascade'))
    .addColumn('chats_created', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('messages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('user_messages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('assistant_messages', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rolled_up_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index chat_daily_stats_key on chat_daily_stats (workspace_id, day, coalesce(channel_id, '00000000-0000-0000-0000-000000000000'::uuid))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('chat_daily_stats').ifExists().execute();
}
