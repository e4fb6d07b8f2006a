import type { Kysely } from 'kysely';

// Frozen in time. Idempotency keys belong to the API key that sent them, not to the workspace: two
// callers of one workspace sending the same Idempotency-Key each get their own outcome. Rows from before
// name no API key and could never be matched again; they are dropped (they expire within a day anyway).

export async function up(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('idempotency_keys').execute();
  await db.schema.alterTable('idempotency_keys').dropConstraint('idempotency_keys_pkey').execute();
  await db.schema
    .alterTable('idempotency_keys')
    .addColumn('api_key_id', 'text', (c) => c.notNull().references('api_keys.id').onDelete('cascade'))
    .execute();
  await db.schema.alterTable('idempotency_keys').addPrimaryKeyConstraint('idempotency_keys_pkey', ['api_key_id', 'key']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('idempotency_keys').execute();
  await db.schema.alterTable('idempotency_keys').dropConstraint('idempotency_keys_pkey').execute();
  await db.schema.alterTable('idempotency_keys').dropColumn('api_key_id').execute();
  await db.schema.alterTable('idempotency_keys').addPrimaryKeyConstraint('idempotency_keys_pkey', ['workspace_id', 'key']).execute();
}
