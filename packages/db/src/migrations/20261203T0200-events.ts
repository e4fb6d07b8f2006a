import { type Kysely, sql } from 'kysely';

// Frozen in time. The event log (a transactional outbox): one row per change a client cares about,
// written in the transaction that makes the change. `tx` is the writing transaction's id (xid8, which
// never wraps): readers order by (tx, seq) and read only below the oldest transaction still in flight
// (pg_snapshot_xmin), so a slower transaction's events can never land behind a cursor (see events.ts).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('seq', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('tx', sql`xid8`, (c) => c.notNull().defaultTo(sql`pg_current_xact_id()`))
    .addColumn('id', 'uuid', (c) => c.notNull().unique().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    // Who may see it: the chat it is about (the reach decides), or the member who requested an export.
    .addColumn('chat_id', 'uuid')
    .addColumn('member_id', 'integer')
    .addColumn('schema_version', 'smallint', (c) => c.notNull().defaultTo(1))
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index events_workspace_position on events (workspace_id, tx, seq)`.execute(db);
  await sql`create index events_position on events (tx, seq)`.execute(db);
  await sql`create index events_workspace_time on events (workspace_id, occurred_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('events').ifExists().execute();
}
