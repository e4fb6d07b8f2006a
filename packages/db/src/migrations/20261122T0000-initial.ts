import { type Kysely, sql } from 'kysely';

// Frozen in time: written against Kysely<any>, never edited after it ships.
// The whole domain of DESIGN.md; later migrations add columns where features need them.

const CHANNEL_TYPES = [
  'widget', 'waha', 'whatsapp', 'instagram', 'api', 'sms', 'email', 'voice',
  'slack', 'telegram', 'gmail', 'google_calendar', 'internal', 'custom',
];

function inList(column: string, values: readonly string[]) {
  return sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull().defaultTo('UTC'))
    // Who answers chats that arrive without a channel (an agent or a squad identity).
    .addColumn('default_responder_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // The super identity: every actor (user, external user, agent, squad) has exactly one.
  await db.schema
    .createTable('identities')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(inList('kind', ['user', 'contact', 'agent', 'squad'])))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('picture_url', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`alter table workspaces add constraint workspaces_default_responder_fkey foreign key (default_responder_id) references identities (id) on delete set null`.execute(db);
  await db.schema.createIndex('identities_workspace_kind_idx').on('identities').columns(['workspace_id', 'kind']).execute();

  // Members of a workspace, addressed by integer ids: human users and assistants.
  await db.schema
    .createTable('members')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('identity_id', 'uuid', (c) => c.notNull().unique().references('identities.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(inList('kind', ['user', 'assistant'])))
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('member').check(inList('role', ['admin', 'member'])))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('members_workspace_idx').on('members').columns(['workspace_id', 'kind']).execute();

  // External users (end users reaching the workspace through a channel).
  await db.schema
    .createTable('contacts')
    .addColumn('identity_id', 'uuid', (c) => c.primaryKey().references('identities.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('identifier', 'text')
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('is_blocked', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_anonymous', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('country', 'text')
    .addColumn('language', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('link', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('contacts_workspace_identifier_idx').on('contacts').columns(['workspace_id', 'identifier']).execute();

  // Agents (AI assistants). Their member row gives them an integer id too.
  await db.schema
    .createTable('assistants')
    .addColumn('identity_id', 'uuid', (c) => c.primaryKey().references('identities.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('description', 'text')
    .addColumn('config', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('current_version_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('assistant_versions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('assistant_id', 'uuid', (c) => c.notNull().references('assistants.identity_id').onDelete('cascade'))
    .addColumn('version_number', 'integer', (c) => c.notNull())
    .addColumn('config', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('assistant_versions_number_key', ['assistant_id', 'version_number'])
    .execute();

  await db.schema
    .createTable('squads')
    .addColumn('identity_id', 'uuid', (c) => c.primaryKey().references('identities.id').onDelete('cascade'))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('description', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('squad_assistants')
    .addColumn('squad_id', 'uuid', (c) => c.notNull().references('squads.identity_id').onDelete('cascade'))
    .addColumn('assistant_id', 'uuid', (c) => c.notNull().references('assistants.identity_id').onDelete('cascade'))
    .addPrimaryKeyConstraint('squad_assistants_pkey', ['squad_id', 'assistant_id'])
    .execute();

  await db.schema
    .createTable('channels')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull().check(inList('type', CHANNEL_TYPES)))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('avatar_url', 'text')
    .addColumn('responder_id', 'uuid', (c) => c.notNull().references('identities.id'))
    .addColumn('config', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('channels_workspace_idx').on('channels').columns(['workspace_id', 'type']).execute();

  await db.schema
    .createTable('tickets')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(inList('status', ['open', 'pending', 'resolved', 'closed'])))
    .addColumn('subject', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('chats')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('number', 'bigint', (c) => c.notNull().unique().generatedAlwaysAsIdentity())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('channel_id', 'uuid', (c) => c.references('channels.id'))
    .addColumn('owner_id', 'uuid', (c) => c.notNull().references('identities.id'))
    .addColumn('responder_id', 'uuid', (c) => c.notNull().references('identities.id'))
    // For a squad, the agent of the squad answering right now (null until one takes the chat).
    .addColumn('current_responder_id', 'uuid', (c) => c.references('identities.id'))
    .addColumn('responder_version_id', 'uuid', (c) => c.references('assistant_versions.id'))
    .addColumn('ticket_id', 'uuid', (c) => c.references('tickets.id'))
    .addColumn('title', 'text')
    .addColumn('summary', 'text')
    .addColumn('summary_updated_at', 'timestamptz')
    .addColumn('chat_type', 'text', (c) => c.notNull().defaultTo('assignment').check(inList('chat_type', ['assignment', 'manager', 'dm', 'testing'])))
    .addColumn('is_removed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_archived', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_paused', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_muted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('needs_response', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_test', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_pinned', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_temporary', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('visibility', 'text', (c) => c.notNull().defaultTo('PRIVATE').check(inList('visibility', ['PRIVATE', 'PUBLIC_READ', 'PUBLIC_WRITE'])))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('RUNNING').check(inList('status', ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELED'])))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('OPEN').check(inList('state', ['OPEN', 'SNOOZED', 'CLOSED'])))
    .addColumn('ai_enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('assigned_member_id', 'integer', (c) => c.references('members.id'))
    .addColumn('assigned_at', 'timestamptz')
    .addColumn('language', 'text')
    .addColumn('shared_url', 'text')
    // Voice calls are chats on a voice channel; these hold the call's outcome.
    .addColumn('call_duration_seconds', 'integer')
    .addColumn('call_end_reason', 'text')
    .addColumn('call_exit_step', 'text')
    .addColumn('call_transfer_target', 'text')
    .addColumn('call_user_inputs', 'integer')
    .addColumn('message_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_message_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Keyset-friendly indexes for the seeds' list filters and sorts; all partial on live chats.
  await sql`create index chats_ws_created_idx on chats (workspace_id, created_at desc, id desc) where not is_removed`.execute(db);
  await sql`create index chats_ws_last_message_idx on chats (workspace_id, last_message_at desc nulls last, id) where not is_removed`.execute(db);
  await sql`create index chats_ws_channel_idx on chats (workspace_id, channel_id, created_at desc) where not is_removed`.execute(db);
  await sql`create index chats_ws_owner_idx on chats (workspace_id, owner_id, created_at desc) where not is_removed`.execute(db);
  await sql`create index chats_ws_responder_idx on chats (workspace_id, responder_id, created_at desc) where not is_removed`.execute(db);
  await sql`create index chats_ws_needs_response_idx on chats (workspace_id) where needs_response and not is_archived and not is_muted and not is_removed`.execute(db);
  await sql`create index chats_ws_assigned_idx on chats (workspace_id, assigned_member_id) where not is_removed`.execute(db);

  await db.schema
    .createTable('messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('number', 'bigint', (c) => c.notNull().unique().generatedAlwaysAsIdentity())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('chat_id', 'uuid', (c) => c.notNull().references('chats.id').onDelete('cascade'))
    .addColumn('author_id', 'uuid', (c) => c.references('identities.id'))
    .addColumn('role', 'text', (c) => c.notNull().check(inList('role', ['user', 'assistant', 'system', 'tool', 'event', 'note'])))
    .addColumn('content', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('parts', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('tool_calls', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('model', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('COMPLETED').check(inList('status', ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELED'])))
    .addColumn('error', 'text')
    .addColumn('input_tokens', 'integer')
    .addColumn('output_tokens', 'integer')
    .addColumn('reasoning_tokens', 'integer')
    .addColumn('cached_input_tokens', 'integer')
    .addColumn('intent_name', 'text')
    .addColumn('intent_score', 'real')
    .addColumn('step', 'text')
    .addColumn('rating', 'smallint')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index messages_chat_created_idx on messages (chat_id, created_at desc, id desc)`.execute(db);
  await sql`create index messages_ws_created_idx on messages (workspace_id, created_at)`.execute(db);

  await db.schema
    .createTable('participants')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('chat_id', 'uuid', (c) => c.notNull().references('chats.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('contributor').check(inList('role', ['owner', 'admin', 'contributor', 'observer'])))
    .addColumn('last_seen_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('participants_chat_member_key', ['chat_id', 'member_id'])
    .execute();
  await db.schema.createIndex('participants_member_idx').on('participants').column('member_id').execute();

  await db.schema
    .createTable('labels')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('color', 'text')
    .addColumn('description', 'text')
    .addColumn('keywords', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('labels_workspace_name_key', ['workspace_id', 'name'])
    .execute();

  await db.schema
    .createTable('chat_labels')
    .addColumn('chat_id', 'uuid', (c) => c.notNull().references('chats.id').onDelete('cascade'))
    .addColumn('label_id', 'uuid', (c) => c.notNull().references('labels.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('chat_labels_pkey', ['chat_id', 'label_id'])
    .execute();
  await db.schema.createIndex('chat_labels_label_idx').on('chat_labels').column('label_id').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('scopes', sql`text[]`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'api_keys', 'chat_labels', 'labels', 'participants', 'messages', 'chats', 'tickets', 'channels',
    'squad_assistants', 'squads', 'assistant_versions', 'assistants', 'contacts', 'members', 'identities', 'workspaces',
  ]) {
    await db.schema.dropTable(table).ifExists().cascade().execute();
  }
}
