import { type Kysely, sql } from 'kysely';

// Frozen in time. Each workspace gets a secret of 32 random bytes that signs its cursors and page
// tokens, so a token cannot be forged, tampered with or replayed in another workspace, and outlives
// the API key that received it. New workspaces get theirs from the application (insertWorkspace).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('workspaces').addColumn('secret', 'bytea').execute();
  await sql`update workspaces set secret = sha256((gen_random_uuid()::text || gen_random_uuid()::text)::bytea)`.execute(db);
  await sql`alter table workspaces alter column secret set not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('workspaces').dropColumn('secret').execute();
}
