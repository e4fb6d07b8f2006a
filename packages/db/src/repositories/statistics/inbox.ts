import { sql } from 'kysely';
import type { Executor } from '../../executor.js';
import { type ChatReach, chatWithinReach } from '../../reach.js';

// The inbox statistics of an assistant (the statistics group, tag Statistics of /openapi.json): the state of the chats it answers that were created in
// a period, read live from the chats and their messages (no rollup: the counts describe the chats as
// they are now, not as they were).

export interface InboxStatsRecord {
  conversations: number;
  open: number;
  snoozed: number;
  closed: number;
  needsResponse: number;
  unassigned: number;
  /** Open or snoozed chats per assigned member, most first (ties by member id). */
  assigned: Array<{ memberId: number; name: string; count: number }>;
  medianFirstHumanResponseSeconds: number | null;
}

type Row = {
  conversations: number | string;
  open: number | string;
  snoozed: number | string;
  closed: number | string;
  needs_response: number | string;
  unassigned: number | string;
  assigned: Array<{ memberId: number; name: string; count: number }> | string;
  median_seconds: number | string | null;
};

/**
 * The assistant's chats within the caller's reach (by their current responder, else the first) created in
 * [from, to], removed and test chats left out. The first human response of a chat is its first message, not a note, written by
 * a workspace user after its first user message; the median runs over the chats that have one.
 */
export async function readInboxStatistics(
  db: Executor,
  input: { reach: ChatReach; assistantId: string; from: Date; to: Date },
): Promise<InboxStatsRecord> {
  const workspaceId = input.reach.workspaceId;
  const inbox = db
    .selectFrom('chats')
    .select(['chats.id', 'chats.state', 'chats.needs_response', 'chats.is_archived', 'chats.assigned_member_id'])
    .where(chatWithinReach(input.reach))
    .where(sql<string>`coalesce(chats.current_responder_id, chats.responder_id)`, '=', input.assistantId)
    .where('chats.created_at', '>=', input.from)
    .where('chats.created_at', '<=', input.to)
    .where('chats.is_removed', '=', false)
    .where('chats.is_test', '=', false);
  const { rows } = await sql<Row>`
    with inbox as ${inbox},
    first_response as (
      select extract(epoch from (human.created_at - first_user.created_at))::float8 as seconds
      from inbox
      cross join lateral (
        select m.created_at, m.number from messages m
        where m.chat_id = inbox.id and m.role = 'user'
        order by m.created_at, m.number
        limit 1
      ) first_user
      cross join lateral (
        select m.created_at from messages m
        where m.chat_id = inbox.id and m.role <> 'note'
          and (m.created_at, m.number) > (first_user.created_at, first_user.number)
          and exists (
            select 1 from members mb
            where mb.identity_id = m.author_id and mb.kind = 'user' and mb.workspace_id = ${workspaceId}
          )
        order by m.created_at, m.number
        limit 1
      ) human
    ),
    assigned as (
      select inbox.assigned_member_id as member_id, count(*) as n
      from inbox
      where inbox.state in ('OPEN', 'SNOOZED') and inbox.assigned_member_id is not null
      group by inbox.assigned_member_id
    )
    select
      count(*) as conversations,
      count(*) filter (where state = 'OPEN') as open,
      count(*) filter (where state = 'SNOOZED') as snoozed,
      count(*) filter (where state = 'CLOSED') as closed,
      count(*) filter (where needs_response and state <> 'CLOSED' and not is_archived) as needs_response,
      count(*) filter (where assigned_member_id is null and state <> 'CLOSED') as unassigned,
      (
        select coalesce(json_agg(json_build_object('memberId', a.member_id, 'name', coalesce(i.display_name, ''), 'count', a.n) order by a.n desc, a.member_id), '[]')
        from assigned a
        left join members mb on mb.id = a.member_id
        left join identities i on i.id = mb.identity_id
      ) as assigned,
      (select percentile_cont(0.5) within group (order by seconds) from first_response) as median_seconds
    from inbox
  `.execute(db);
  const row = rows[0]!;
  const assigned = typeof row.assigned === 'string' ? (JSON.parse(row.assigned) as Exclude<Row['assigned'], string>) : row.assigned;
  return {
    conversations: Number(row.conversations),
    open: Number(row.open),
    snoozed: Number(row.snoozed),
    closed: Number(row.closed),
    needsResponse: Number(row.needs_response),
    unassigned: Number(row.unassigned),
    assigned: assigned.map((a) => ({ memberId: Number(a.memberId), name: a.name, count: Number(a.count) })),
    medianFirstHumanResponseSeconds: row.median_seconds === null ? null : Number(row.median_seconds),
  };
}
