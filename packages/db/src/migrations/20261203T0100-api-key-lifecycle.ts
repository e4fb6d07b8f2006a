import { type Kysely, sql } from 'kysely';

// Frozen in time. API keys get a lifecycle: an optional expiry, the time of their last use (recorded
// at most once a minute, by the statement that looks the key up), and rotation, which keeps the
// previous secret valid until `previous_secret_expires_at`. Rate limits count each key's requests in
// a fixed window, one narrow row per key, also updated by the lookup statement.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('api_keys')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('rotated_at', 'timestamptz')
    .addColumn('previous_secret_hash', 'text')
    .addColumn('previous_secret_expires_at', 'timestamptz')
    .execute();
  // The listing's order (newest first), per workspace.
  await db.schema.createIndex('api_keys_workspace_created_idx').on('api_keys').columns(['workspace_id', 'created_at', 'id']).execute();
  await db.schema
    .createTable('api_key_rate_windows')
    .addColumn('api_key_id', 'text', (c) => c.primaryKey().references('api_keys.id').onDelete('cascade'))
    .addColumn('window_start', 'timestamptz', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .execute();
  // Updated on every request: leave room on each page so updates stay on it (HOT), without index churn.
  await sql`alter table api_key_rate_windows set (fillfactor = 50)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_key_rate_windows').execute();
  await db.schema.dropIndex('api_keys_workspace_created_idx').execute();
  await db.schema
    .alterTable('api_keys')
    .dropColumn('expires_at')
    .dropColumn('last_used_at')
    .dropColumn('rotated_at')
    .dropColumn('previous_secret_hash')
    .dropColumn('previous_secret_expires_at')
    .execute();
}
