import { type Kysely, sql } from 'kysely';

// Frozen in time. Export jobs: one row per requested export file, whatever its kind (the v2 chats CSV
// now, statistics later). The worker claims a job by moving it to `running` with a lease, so a message
// delivered twice runs it once, and a worker that died mid-export leaves a lease that expires.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('export_jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('params', 'jsonb', (c) => c.notNull())
    // Identical requests (same member, kind and params) share the job while it is queued or running.
    .addColumn('params_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status in ('queued', 'running', 'completed', 'failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_until', 'timestamptz')
    .addColumn('row_count', 'bigint')
    .addColumn('byte_count', 'bigint')
    .addColumn('object_key', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index export_jobs_active_key on export_jobs (workspace_id, requested_by, kind, params_hash) where status in ('queued', 'running')`.execute(db);
  await sql`create index export_jobs_workspace_idx on export_jobs (workspace_id, created_at desc)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('export_jobs').ifExists().execute();
}
