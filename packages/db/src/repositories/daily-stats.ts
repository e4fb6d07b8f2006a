import { sql } from 'kysely';
import type { Executor } from '../executor.js';

/**
 * Rebuilds the daily stats of every workspace for the local days that [from, to] touches, each
 * workspace in its own time zone (so a day may be 23 or 25 hours long). Deleting and re-inserting
 * those days in one transaction makes the rollup idempotent; an advisory lock keeps two rollups
 * from interleaving. Removed chats are not counted.
 */
export async function rollupDailyStats(db: Executor, from: Date, to: Date): Promise<{ rows: number }> {
  const run = async (trx: Executor) => {
    await sql`select pg_advisory_xact_lock(hashtext('chat_daily_stats rollup'))`.execute(trx);
    await sql`
      delete from chat_daily_stats s using workspaces w
      where s.workspace_id = w.id
        and s.day between (${from}::timestamptz at time zone w.time_zone)::date and (${to}::timestamptz at time zone w.time_zone)::date`.execute(trx);
    // A UTC window a day wider than [from, to] holds every instant of the local days it touches.
    const result = await sql`
      insert into chat_daily_stats (workspace_id, day, channel_id, chats_created, messages, user_messages, assistant_messages)
      select workspace_id, day, channel_id, sum(chats), sum(messages), sum(user_messages), sum(assistant_messages)
      from (
        select c.workspace_id, (c.created_at at time zone w.time_zone)::date as day, c.channel_id,
               count(*) as chats, 0 as messages, 0 as user_messages, 0 as assistant_messages
        from chats c join workspaces w on w.id = c.workspace_id
        where not c.is_removed
          and c.created_at >= ${from}::timestamptz - interval '1 day' and c.created_at < ${to}::timestamptz + interval '1 day'
          and (c.created_at at time zone w.time_zone)::date
              between (${from}::timestamptz at time zone w.time_zone)::date and (${to}::timestamptz at time zone w.time_zone)::date
        group by 1, 2, 3
        union all
        select m.workspace_id, (m.created_at at time zone w.time_zone)::date, c.channel_id,
               0, count(*), count(*) filter (where m.role = 'user'), count(*) filter (where m.role = 'assistant')
        from messages m join chats c on c.id = m.chat_id join workspaces w on w.id = m.workspace_id
        where not c.is_removed
          and m.created_at >= ${from}::timestamptz - interval '1 day' and m.created_at < ${to}::timestamptz + interval '1 day'
          and (m.created_at at time zone w.time_zone)::date
              between (${from}::timestamptz at time zone w.time_zone)::date and (${to}::timestamptz at time zone w.time_zone)::date
        group by 1, 2, 3
      ) counts
      group by 1, 2, 3`.execute(trx);
    return { rows: Number(result.numAffectedRows ?? 0) };
  };
  return 'isTransaction' in db && db.isTransaction ? run(db) : db.transaction().execute(run);
}

export interface DailyStatsRow {
  day: string;
  channelId: string | null;
  chatsCreated: number;
  messages: number;
  userMessages: number;
  assistantMessages: number;
}

export async function listDailyStats(db: Executor, workspaceId: string, fromDay: string, toDay: string): Promise<DailyStatsRow[]> {
  const rows = await db
    .selectFrom('chat_daily_stats')
    .select(['day', 'channel_id', 'chats_created', 'messages', 'user_messages', 'assistant_messages'])
    .where('workspace_id', '=', workspaceId)
    .where('day', '>=', fromDay)
    .where('day', '<=', toDay)
    .orderBy('day')
    .orderBy('channel_id')
    .execute();
  return rows.map((r) => ({
    day: r.day,
    channelId: r.channel_id,
    chatsCreated: r.chats_created,
    messages: r.messages,
    userMessages: r.user_messages,
    assistantMessages: r.assistant_messages,
  }));
}
