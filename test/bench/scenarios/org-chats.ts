import { type Kysely, sql } from 'kysely';
import type { Database } from '@parley/db';
import { createLocalApp } from '../../../packages/functions/src/local/app.js';
import { QueryCounter } from '../../harness/query-counter.js';
import { measureDirect, measureHttp } from '../measure.js';
import { type BenchRow, type BenchScenario, p99Within } from '../scenario.js';

const TAKE = 50;
const PAGES = 5;
const QUERY = `take=${TAKE}&filter=UNRESOLVED&search=refund`;

/**
 * The same page as the endpoint, written by hand as one statement: unresolved chats matching the
 * search, latest activity first, keyset after `cursor`, with the owner, contact, channel, assistant
 * config, assignee, read markers, last message with its author, both unseen counts and participants.
 */
function rawPage(db: Kysely<Database>, workspaceId: string, viewerId: string, cursor: [string, string] | undefined) {
  const after = cursor ? sql`and (coalesce(c.last_message_at, c.created_at), c.id) < (${cursor[0]}::timestamptz, ${cursor[1]}::uuid)` : sql``;
  return sql<{ id: string; cursor_at: string }>`
    select p.cursor_at, c.*, ch.id as channel_id, ch.type as channel_type, ch.name as channel_name, ch.avatar_url, ch.is_enabled,
           o.kind as owner_kind, o.display_name as owner_name, o.picture_url as owner_avatar, oc.identifier, oc.handle, oc.country,
           oc.user_agent, oc.ip, oc.language as contact_language, oc.link as contact_link, oc.is_blocked,
           a.id as assistant_id, a.display_name as assistant_name, a.picture_url as assistant_avatar, v.config,
           am.email as assignee_email, ai.id as assignee_id, ai.display_name as assignee_name, ai.picture_url as assignee_avatar, amr.seen_at as assignee_seen_at,
           lm.id as last_id, lm.role, lm.model as last_model, lm.status as last_status, lm.error, lm.parts, lm.tools as last_tools,
           lm.features as last_features, lm.input_tokens, lm.output_tokens, lm.reasoning_tokens, lm.cached_input_tokens,
           lm.created_at as last_created_at, lm.updated_at as last_updated_at,
           au.id as author_id, au.kind as author_kind, au.display_name as author_name, au.picture_url as author_avatar,
           u.viewer_unseen, u.owner_unseen,
           (select coalesce(json_agg(x), '[]') from (
              select pi.id, pi.kind, pi.display_name, pi.picture_url, pa.role, pa.session_id
              from participants pa join members pm on pm.id = pa.member_id join identities pi on pi.id = pm.identity_id
              where pa.chat_id = c.id order by pa.id) x) as participants
    from (
      select c.id, coalesce(c.last_message_at, c.created_at) as activity_at,
             to_char(coalesce(c.last_message_at, c.created_at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at
      from chats c
      where c.workspace_id = ${workspaceId} and not c.is_removed and c.state <> 'CLOSED'
        and (c.title ilike '%refund%' or exists (select 1 from messages m where m.chat_id = c.id and m.content ilike '%refund%'))
        ${after}
      order by coalesce(c.last_message_at, c.created_at) desc, c.id desc
      limit ${TAKE + 1}
    ) p
    join chats c on c.id = p.id
    left join channels ch on ch.id = c.channel_id
    join identities o on o.id = c.owner_id
    left join contacts oc on oc.identity_id = c.owner_id
    left join identities a on a.id = coalesce(c.current_responder_id, c.responder_id) and a.kind = 'agent'
    left join assistants asst on asst.identity_id = a.id
    left join assistant_versions v on v.id = coalesce(case when c.responder_id = a.id then c.responder_version_id end, asst.current_version_id)
    left join members am on am.id = c.assigned_member_id
    left join identities ai on ai.id = am.identity_id
    left join chat_read_markers amr on amr.chat_id = c.id and amr.identity_id = am.identity_id
    left join chat_read_markers vm on vm.chat_id = c.id and vm.identity_id = ${viewerId}
    left join chat_read_markers om on om.chat_id = c.id and om.identity_id = c.owner_id
    left join lateral (select * from messages m where m.chat_id = c.id order by m.created_at desc, m.id desc limit 1) lm on true
    left join identities au on au.id = lm.author_id
    left join lateral (
      select count(*) filter (where m.created_at > coalesce(vm.seen_at, '-infinity') and m.author_id is distinct from ${viewerId}::uuid) as viewer_unseen,
             count(*) filter (where m.created_at > coalesce(om.seen_at, '-infinity') and m.author_id is distinct from c.owner_id) as owner_unseen
      from messages m
      where m.chat_id = c.id and m.created_at > least(coalesce(vm.seen_at, '-infinity'), coalesce(om.seen_at, '-infinity'))
    ) u on true
    order by p.activity_at desc, p.id desc`.execute(db);
}

/** Seed 002: the org inbox at take 50 with an inbox filter and a search, its first five pages by token. */
export const orgChats: BenchScenario = {
  name: 'org-chats',
  async run({ db, dataset: ds, base, headers, concurrency, seconds }) {
    const viewer = await sql<{ identity_id: string }>`select identity_id from members where id = ${ds.memberId}`.execute(db);
    const viewerId = viewer.rows[0]!.identity_id;
    const listPath = `/v1/orgs/${ds.workspaceId}/chats`;

    // The first pages, each reached with the token of the one before (as a client pages deep).
    const paths: string[] = [];
    const cursors: Array<[string, string] | undefined> = [];
    let token: string | null = null;
    for (let p = 0; p < PAGES; p++) {
      const path = `${listPath}?${QUERY}${token ? `&next_page_token=${token}` : ''}`;
      paths.push(path);
      cursors.push(token ? (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [string, string]) : undefined);
      const res = await fetch(`${base}${path}`, { headers });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as unknown[];
      token = res.headers.get('x-next-page-token');
      if (body.length !== TAKE || !token) throw new Error(`page ${p + 1} has ${body.length} chats: the data set is too small for ${PAGES} pages`);
    }

    // The endpoint and the raw statement agree on every page before anything is timed.
    for (const [p, cursor] of cursors.entries()) {
      const api = ((await (await fetch(`${base}${paths[p]}`, { headers })).json()) as Array<{ id: string }>).map((c) => c.id);
      const raw = (await rawPage(db, ds.workspaceId, viewerId, cursor)).rows.slice(0, TAKE).map((r) => r.id);
      if (JSON.stringify(api) !== JSON.stringify(raw)) throw new Error(`page ${p + 1}: the endpoint and the raw SQL disagree`);
    }

    // Statements per request, counted through the same app on a counting Kysely.
    const counter = new QueryCounter();
    const counted = createLocalApp({ db: async () => db.withPlugin(counter) });
    for (const path of paths) await counted.request(path, { headers });
    const queriesPerRequest = counter.count / paths.length;

    const direct = (i: number) => rawPage(db, ds.workspaceId, viewerId, cursors[i % PAGES]);
    await measureDirect(direct, { concurrency, seconds: 2 });
    await measureHttp(base, paths, { concurrency, seconds: 2, headers });

    const row: BenchRow = {
      name: `GET /v1/orgs/{org_id}/chats (take ${TAKE}, UNRESOLVED, search)`,
      http: await measureHttp(base, paths, { concurrency, seconds, headers }),
      direct: await measureDirect(direct, { concurrency, seconds }),
      notes: [`queries per request: ${queriesPerRequest} (API key lookup + one statement for the page), pages 1-${PAGES} by next_page_token`],
    };
    return { rows: [row], targets: [p99Within(row, 3, 'org inbox page (take 50, filter + search): HTTP p99 <= 3x the raw SQL p99')] };
  },
};
