import { type Kysely, sql } from 'kysely';

// Frozen in time. Chat actions (the v2 group's `/chats/{chat_id}/...` endpoints): the tools a chat may call, the delivery of assistant messages
// over SMS and email (every attempt recorded: the outbox adapter leaves them here), and idempotency keys.

function inList(column: string, values: readonly string[]) {
  return sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);
}

export async function up(db: Kysely<any>): Promise<void> {
  // Where the assistant's message stands on its way to the recipient; null for messages never delivered.
  await db.schema
    .alterTable('messages')
    .addColumn('delivery_status', 'text', (c) => c.check(inList('delivery_status', ['pending', 'queued', 'sent', 'failed'])))
    .addColumn('delivery_error', 'text')
    .execute();
  // The history endpoint pages by (created_at, number) within a chat.
  await sql`create index messages_chat_created_number_idx on messages (chat_id, created_at, number)`.execute(db);

  await db.schema
    .createTable('chat_tools')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('chat_id', 'uuid', (c) => c.notNull().references('chats.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('callback_url', 'text', (c) => c.notNull())
    .addColumn('input_schema', 'jsonb', (c) => c.notNull().defaultTo(sql`'{"type":"object"}'::jsonb`))
    .addColumn('timeout_ms', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('chat_tools_chat_name_key', ['chat_id', 'name'])
    .execute();

  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('chat_id', 'uuid', (c) => c.notNull().references('chats.id').onDelete('cascade'))
    .addColumn('message_id', 'uuid', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull().check(inList('channel', ['sms', 'email'])))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(inList('status', ['pending', 'queued', 'sent', 'failed'])))
    .addColumn('provider_message_id', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('deliveries_message_idx').on('deliveries').column('message_id').execute();
  await sql`create index deliveries_ws_status_idx on deliveries (workspace_id, status, created_at)`.execute(db);

  // One row per Idempotency-Key: the request's fingerprint, then its outcome once it has one.
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('running').check(inList('state', ['running', 'completed'])))
    .addColumn('outcome', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['workspace_id', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created_idx').on('idempotency_keys').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').ifExists().execute();
  await db.schema.dropTable('deliveries').ifExists().execute();
  await db.schema.dropTable('chat_tools').ifExists().execute();
  await sql`drop index if exists messages_chat_created_number_idx`.execute(db);
  await db.schema.alterTable('messages').dropColumn('delivery_error').dropColumn('delivery_status').execute();
}
