import { authenticate, backfillStatistics, requireReportedAssistant, rollupStatistics, statisticsReport } from '@parley/core';
import { BENCH_ANCHOR } from '../generate.js';
import type { Figures } from '../measure.js';
import type { BenchRow, BenchScenario, BenchTarget } from '../scenario.js';
import { sql } from 'kysely';
import { isDeepStrictEqual } from 'node:util';

// Seed 003's statistics: the full backfill of the rollups, the overview report with every component
// over 365 days by day (through HTTP, read from the rollups) beside the same report computed from raw
// rows in the same run, and one rollup pass over a day of 100,000 new messages.

const ALL_OVERVIEW = Array.from({ length: 17 }, (_, i) => i).join(',');

function figuresOf(latencies: number[], errors: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const total = latencies.reduce((s, ms) => s + ms, 0);
  return { requests: latencies.length, perSecond: latencies.length / (total / 1000 || 1), p50: at(0.5), p99: at(0.99), errors };
}

export const statisticsScenario: BenchScenario = {
  name: 'statistics',
  async run({ db, dataset: ds, base, token, headers }) {
    const rows: BenchRow[] = [];
    const targets: BenchTarget[] = [];

    // 1. The backfill: every rollup rebuilt from the 10,000,000 messages.
    const backfill = await backfillStatistics(db, { concurrency: 2 });
    await sql`vacuum analyze stats_rollups`.execute(db);
    const messages = Number((await sql<{ n: string }>`select count(*) as n from messages where workspace_id = ${ds.workspaceId}`.execute(db)).rows[0]!.n);
    targets.push({ target: `full backfill of ${messages.toLocaleString('en-US')} messages < 120 s (${(backfill.ms / 1000).toFixed(1)} s, ${backfill.rows.toLocaleString('en-US')} rollup rows)`, ratio: backfill.ms / 120_000, pass: backfill.ms < 120_000 });
    // Issue 17's headroom: half of that.
    targets.push({ target: `full backfill of ${messages.toLocaleString('en-US')} messages <= 60 s (${(backfill.ms / 1000).toFixed(1)} s)`, ratio: backfill.ms / 60_000, pass: backfill.ms <= 60_000 });

    // 2. The overview report of the busiest chatbot, 365 local days ending at the data's last day.
    const busiest = await sql<{ id: string; n: number }>`
      select coalesce(current_responder_id, responder_id) as id, count(*)::int as n from chats
      where workspace_id = ${ds.workspaceId} and not is_removed group by 1 order by 2 desc limit 1`.execute(db);
    const chatbotId = busiest.rows[0]!.id;
    const to = new Date(Date.parse(BENCH_ANCHOR) - 1);
    const from = new Date(Date.parse(BENCH_ANCHOR) - 365 * 86_400_000);
    const query = `from=${from.toISOString()}&to=${to.toISOString()}&interval=86400&components=${ALL_OVERVIEW}`;
    const path = `/v1/chatbots/${chatbotId}/statistics/reports/overview?${query}`;
    const principal = await authenticate(db, token);
    const chatbot = await requireReportedAssistant(db, principal, chatbotId);
    const request = { from, to, interval: 86400 as const, components: ALL_OVERVIEW };

    const httpLatencies: number[] = [];
    let httpErrors = 0;
    let fromRollups: unknown;
    // 20 to warm up (the backfill has just churned the caches), 200 measured.
    for (let i = 0; i < 220; i++) {
      const t0 = performance.now();
      const res = await fetch(`${base}${path}`, { headers });
      const body = await res.json();
      httpLatencies.push(performance.now() - t0);
      if (res.status !== 200) httpErrors++;
      fromRollups = body;
    }
    const rawLatencies: number[] = [];
    let fromRaw: unknown;
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      fromRaw = await statisticsReport(db, principal, chatbot, 'overview', request, 'raw');
      rawLatencies.push(performance.now() - t0);
    }
    const equal = isDeepStrictEqual(fromRollups, fromRaw);
    const http = figuresOf(httpLatencies.slice(20), httpErrors);
    const direct = figuresOf(rawLatencies, 0);
    const body = fromRollups as Record<string, unknown>;
    rows.push({
      name: 'overview, 17 components, 365 days by day',
      http,
      direct,
      notes: [
        `report from rollups (HTTP, sequential) p50 ${http.p50.toFixed(1)} ms; the same from raw rows p50 ${direct.p50.toFixed(0)} ms; ${(direct.p50 / http.p50).toFixed(0)}x`,
        `chatbot with ${busiest.rows[0]!.n.toLocaleString('en-US')} chats: ${String(body.CONVERSATION_COUNT)} conversations and ${String(body.MESSAGE_COUNT)} messages in the period; rollups ${equal ? 'equal' : 'DIFFER FROM'} raw rows for every component`,
      ],
    });
    targets.push({ target: 'overview report from rollups p50 < 50 ms', ratio: http.p50 / 50, pass: httpErrors === 0 && http.p50 < 50 });
    targets.push({ target: 'overview report >= 100x faster than from raw rows, same numbers', ratio: direct.p50 / http.p50, pass: equal && direct.p50 / http.p50 >= 100 });

    // 3. One day of traffic: 10,000 new chats with 100,000 messages the day after the data, then one rollup pass.
    const day = Date.parse(BENCH_ANCHOR) + 86_400_000;
    const agents = await sql<{ id: string; channel_id: string | null }>`
      select distinct on (coalesce(current_responder_id, responder_id)) coalesce(current_responder_id, responder_id) as id, channel_id
      from chats where workspace_id = ${ds.workspaceId} order by coalesce(current_responder_id, responder_id), created_at desc`.execute(db);
    const owner = ds.ownerIds[0]!;
    await rollupStatistics(db);
    await sql`
      with plan as (select * from jsonb_to_recordset(${JSON.stringify(agents.rows)}::jsonb) as p(id uuid, channel_id uuid)),
      numbered as (select row_number() over () - 1 as k, id, channel_id from plan),
      c as (
        insert into chats (workspace_id, channel_id, owner_id, responder_id, current_responder_id, title, created_at, updated_at, language)
        select ${ds.workspaceId}::uuid, n.channel_id, ${owner}::uuid, n.id, n.id, 'bench day ' || i,
               ${new Date(day)}::timestamptz + (i * 8.64) * interval '1 second', now(), 'en'
        from generate_series(0, 9999) i join numbered n on n.k = i % (select count(*) from plan)
        returning id, created_at
      )
      insert into messages (workspace_id, chat_id, role, content, intent_name, intent_score, created_at, updated_at)
      select ${ds.workspaceId}::uuid, c.id, case when j % 2 = 0 then 'user' else 'assistant' end, repeat('x', 10 + (j * 7) % 60),
             case when j % 2 = 1 then 'order_status' end, case when j % 2 = 1 then 0.5 + j / 100.0 end,
             c.created_at + j * interval '30 seconds', now()
      from c cross join generate_series(0, 9) j`.execute(db);
    const fold = await rollupStatistics(db);
    targets.push({ target: `rollup pass over one day of 100,000 new messages < 2 s (${(fold.ms / 1000).toFixed(2)} s, ${fold.slices} slices)`, ratio: fold.ms / 2000, pass: fold.ms < 2000 });
    targets.push({ target: `rollup pass over one day of 100,000 new messages <= 1 s (${(fold.ms / 1000).toFixed(2)} s)`, ratio: fold.ms / 1000, pass: fold.ms <= 1000 });
    await sql`delete from chats where workspace_id = ${ds.workspaceId} and created_at >= ${new Date(day)} and title like 'bench day %'`.execute(db);
    await rollupStatistics(db);
    return { rows, targets };
  },
};
