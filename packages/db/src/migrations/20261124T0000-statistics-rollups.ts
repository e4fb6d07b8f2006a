import { type Kysely, sql } from 'kysely';

// Statistics rollups (the statistics group, `/v1/chatbots/{chatbotId}/statistics/...`). Reports read `stats_rollups`, never raw messages:
// - one row per workspace, assistant (the chat's current responder), channel key and bucket;
// - buckets are epoch-aligned blocks of 15 minutes, 1 hour, 1 day and 16 days (`size` in seconds).
//   Every real time-zone offset is a multiple of 15 minutes, so any local day or hour is a union of
//   such blocks, and a long period needs few of them;
// - `channel_key` is the chat's channel, the nil uuid for chats without one, and (from 1 hour up) the
//   all-ones uuid for the assistant's total over every channel;
// - counts are columns; distributions are `dists`: metric -> { value -> count }, exact and mergeable
//   (sums of counts), which keeps medians exact. `json`, not `jsonb`: built several times faster, and
//   only ever read whole or taken apart by the rollup.
// Writers never touch the rollups: statement triggers note the 15-minute slices a change touches in
// `stats_dirty`, and the rollup recomputes those slices from raw rows, then their parents from their
// children. The dirty table has no unique key on purpose: a writer's marker is never absorbed by one
// that a running rollup is about to delete, so nothing committed late is lost.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists chat_daily_stats`.execute(db);

  await sql`
    create table stats_rollups (
      workspace_id uuid not null,
      assistant_id uuid not null,
      channel_key uuid not null,
      size integer not null check (size in (900, 3600, 86400, 1382400)),
      bucket timestamptz not null,
      conversations integer not null default 0,
      messages integer not null default 0,
      interactions integer not null default 0,
      call_duration bigint not null default 0,
      dists json not null default '{}',
      -- The counts ride in the key's index, so the series of a report is an index-only scan.
      primary key (workspace_id, assistant_id, channel_key, size, bucket) include (conversations, messages, interactions, call_duration)
    )`.execute(db);
  await sql`create index stats_rollups_slice_idx on stats_rollups (workspace_id, size, bucket)`.execute(db);
  await sql`create table stats_dirty (workspace_id uuid not null, bucket timestamptz not null)`.execute(db);

  // The 15-minute slice of an instant (epoch-aligned).
  await sql`
    create function stats_slice(t timestamptz) returns timestamptz language sql immutable parallel safe
    as $$ select date_bin('15 minutes', t, timestamptz '1970-01-01 00:00:00+00') $$`.execute(db);

  // Messages: the slice of the message and the slice of its chat's creation (whose conversation
  // message count changes). Updates count only when a reported column changed.
  await sql`
    create function stats_mark_messages() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into stats_dirty (workspace_id, bucket)
        select distinct s.workspace_id, s.bucket from (
          select n.workspace_id, stats_slice(n.created_at) as bucket from new_rows n
          union all
          select c.workspace_id, stats_slice(c.created_at) from chats c where c.id in (select chat_id from new_rows)
        ) s;
      elsif tg_op = 'DELETE' then
        insert into stats_dirty (workspace_id, bucket)
        select distinct s.workspace_id, s.bucket from (
          select o.workspace_id, stats_slice(o.created_at) as bucket from old_rows o
          union all
          select c.workspace_id, stats_slice(c.created_at) from chats c where c.id in (select chat_id from old_rows)
        ) s;
      else
        insert into stats_dirty (workspace_id, bucket)
        select distinct s.workspace_id, s.bucket from (
          select o.workspace_id, o.created_at, o.chat_id, n.workspace_id as nw, n.created_at as nc, n.chat_id as nch
          from old_rows o join new_rows n on n.id = o.id
          where (o.chat_id, o.role, o.content, o.intent_name, o.intent_score, o.step, o.created_at, o.workspace_id)
                is distinct from (n.chat_id, n.role, n.content, n.intent_name, n.intent_score, n.step, n.created_at, n.workspace_id)
        ) ch
        cross join lateral (
          select ch.workspace_id, stats_slice(ch.created_at) as bucket
          union all select ch.nw, stats_slice(ch.nc)
          union all select c.workspace_id, stats_slice(c.created_at) from chats c where c.id in (ch.chat_id, ch.nch)
        ) s;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger stats_messages_insert after insert on messages referencing new table as new_rows for each statement execute function stats_mark_messages()`.execute(db);
  await sql`create trigger stats_messages_update after update on messages referencing old table as old_rows new table as new_rows for each statement execute function stats_mark_messages()`.execute(db);
  await sql`create trigger stats_messages_delete after delete on messages referencing old table as old_rows for each statement execute function stats_mark_messages()`.execute(db);

  // Chats: the slice of the chat's creation when a chat-level figure changed (language, call data);
  // also every slice of its messages when what the messages are attributed to changed (assistant,
  // channel, removal, test flag). Appending a message (count, last message, updated_at) marks nothing here.
  await sql`
    create function stats_mark_chats() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into stats_dirty (workspace_id, bucket)
        select distinct n.workspace_id, stats_slice(n.created_at) from new_rows n;
      elsif tg_op = 'DELETE' then
        insert into stats_dirty (workspace_id, bucket)
        select distinct o.workspace_id, stats_slice(o.created_at) from old_rows o;
      else
        with changed as (
          select o.workspace_id as ow, o.created_at as oc, n.workspace_id as nw, n.created_at as nc, n.id,
                 (o.responder_id, o.current_responder_id, o.channel_id, o.is_removed, o.is_test, o.created_at, o.workspace_id)
                   is distinct from (n.responder_id, n.current_responder_id, n.channel_id, n.is_removed, n.is_test, n.created_at, n.workspace_id) as moved
          from old_rows o join new_rows n on n.id = o.id
          where (o.responder_id, o.current_responder_id, o.channel_id, o.is_removed, o.is_test, o.created_at, o.workspace_id,
                 o.language, o.call_duration_seconds, o.call_end_reason, o.call_exit_step, o.call_transfer_target, o.call_user_inputs)
                is distinct from
                (n.responder_id, n.current_responder_id, n.channel_id, n.is_removed, n.is_test, n.created_at, n.workspace_id,
                 n.language, n.call_duration_seconds, n.call_end_reason, n.call_exit_step, n.call_transfer_target, n.call_user_inputs)
        )
        insert into stats_dirty (workspace_id, bucket)
        select distinct s.workspace_id, s.bucket from (
          select ow as workspace_id, stats_slice(oc) as bucket from changed
          union all select nw, stats_slice(nc) from changed
          union all select m.workspace_id, stats_slice(m.created_at) from messages m where m.chat_id in (select id from changed where moved)
        ) s;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger stats_chats_insert after insert on chats referencing new table as new_rows for each statement execute function stats_mark_chats()`.execute(db);
  await sql`create trigger stats_chats_update after update on chats referencing old table as old_rows new table as new_rows for each statement execute function stats_mark_chats()`.execute(db);
  await sql`create trigger stats_chats_delete after delete on chats referencing old table as old_rows for each statement execute function stats_mark_chats()`.execute(db);

  // What was there before the triggers: the rollup folds it in on its first run.
  await sql`insert into stats_dirty (workspace_id, bucket) select distinct workspace_id, stats_slice(created_at) from chats`.execute(db);
  await sql`insert into stats_dirty (workspace_id, bucket) select distinct workspace_id, stats_slice(created_at) from messages`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['messages_insert', 'messages_update', 'messages_delete']) await sql`drop trigger if exists ${sql.raw(`stats_${t}`)} on messages`.execute(db);
  for (const t of ['chats_insert', 'chats_update', 'chats_delete']) await sql`drop trigger if exists ${sql.raw(`stats_${t}`)} on chats`.execute(db);
  await sql`drop function if exists stats_mark_messages()`.execute(db);
  await sql`drop function if exists stats_mark_chats()`.execute(db);
  await sql`drop function if exists stats_slice(timestamptz)`.execute(db);
  await sql`drop table if exists stats_dirty`.execute(db);
  await sql`drop table if exists stats_rollups`.execute(db);
}
