import { describe, expect, it } from 'vitest';
import {
  authenticate,
  buildComponents,
  CHANNEL_COMPONENTS,
  decompose,
  localBuckets,
  OVERVIEW_COMPONENTS,
  rawReportData,
  requireReportedAssistant,
  resolveReport,
  rollupReportData,
  rollupStatistics,
  backfillStatistics,
  type ReportKind,
} from '@parley/core';
import { insertChat, listAssistantChannels } from '@parley/db';
import { sql } from 'kysely';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

const t = useTestDb();

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}

type Rng = ReturnType<typeof prng>;

const LANGS = ['en', 'de', 'es', null] as const;
const INTENTS = ['order_status', 'refund', 'greeting'];
const STEPS = ['welcome', 'collect_email', 'handoff'];
const REASONS = ['customer-ended-call', 'silence-timed-out', 'transferred', null];

/** Random chats and messages of the workspace's two assistants between `from` and `to`. */
async function generate(ws: TestWorkspace, rng: Rng, from: number, to: number, chats: number) {
  const channels = [ws.channels.widget.id, ws.channels.whatsapp.id, ws.channels.api.id, ws.channels.sms.id, null];
  const at = () => new Date(from + Math.floor(rng.next() * (to - from) / 1000) * 1000);
  const ids: string[] = [];
  for (let i = 0; i < chats; i++) {
    const createdAt = at();
    const responder = rng.chance(0.6) ? ws.agent.identityId : ws.otherAgent.identityId;
    const chat = await insertChat(t.db, {
      workspaceId: ws.workspace.id, channelId: rng.pick(channels), ownerId: ws.contact.identityId,
      responderId: responder, currentResponderId: responder, responderVersionId: null, title: null, createdAt,
    });
    ids.push(chat.id);
    const call = rng.chance(0.3);
    await t.db.updateTable('chats').where('id', '=', chat.id).set({
      language: rng.pick(LANGS),
      is_test: rng.chance(0.05),
      is_removed: rng.chance(0.05),
      call_duration_seconds: call ? rng.int(5, 900) : null,
      call_end_reason: call ? rng.pick(REASONS) : null,
      call_exit_step: call && rng.chance(0.7) ? rng.pick(STEPS) : null,
      call_transfer_target: call && rng.chance(0.3) ? rng.pick(['+15550100', 'sales']) : null,
      call_user_inputs: call && rng.chance(0.8) ? rng.int(0, 12) : null,
    }).execute();
    const n = rng.int(0, 7);
    if (n === 0) continue;
    await t.db.insertInto('messages').values(
      Array.from({ length: n }, (_, j) => {
        const role = j % 2 === 0 ? 'user' : rng.pick(['assistant', 'assistant', 'tool', 'note'] as const);
        const intent = role === 'assistant' && rng.chance(0.7);
        return {
          workspace_id: ws.workspace.id, chat_id: chat.id, role, content: 'x'.repeat(rng.int(1, 40)),
          intent_name: intent ? rng.pick(INTENTS) : null,
          intent_score: intent ? rng.int(0, 1000) / 1000 + (rng.chance(0.5) ? 0.0004 : 0) : null,
          step: rng.chance(0.2) ? rng.pick(STEPS) : null,
          // Mostly soon after the chat, sometimes much later (days after: the chat's bucket still counts it).
          created_at: new Date(Math.min(to - 1000, createdAt.getTime() + (rng.chance(0.1) ? rng.int(0, 5 * 86_400) : rng.int(0, 3_600)) * 1000)),
        };
      }),
    ).execute();
  }
  return ids;
}

/** Every component of every report the workspace has, from rollups and from raw rows. */
async function compareAll(ws: TestWorkspace, periods: Array<{ from: string; to: string; interval: 86400 | 3600; timezone?: string }>) {
  const principal = await authenticate(t.db, ws.keys.statistics);
  let compared = 0;
  for (const chatbot of [ws.agent.identityId, ws.otherAgent.identityId]) {
    // The API's channel report answers 404 on a channel the chatbot does not answer on, but chats handed
    // over to it there still roll up by channel: those cells are compared too, with the scope built alike.
    const answered = new Set((await listAssistantChannels(t.db, ws.workspace.id, chatbot)).map((c) => c.id));
    const record = await requireReportedAssistant(t.db, principal, chatbot);
    const resolve = async (kind: ReportKind, query: Parameters<typeof resolveReport>[4]) => {
      if (kind === 'overview' || answered.has(query.channelId!)) return resolveReport(t.db, principal, record, kind, query);
      const { scope } = await resolveReport(t.db, principal, record, 'overview', { ...query, components: '0' });
      return { scope: { ...scope, channelId: query.channelId }, names: [...CHANNEL_COMPONENTS] };
    };
    for (const period of periods) {
      const reports: Array<{ kind: ReportKind; channelId?: string }> = [
        { kind: 'overview' },
        ...Object.values(ws.channels).map((c) => ({ kind: 'channel' as const, channelId: c.id })),
      ];
      for (const report of reports) {
        const catalogue = report.kind === 'overview' ? OVERVIEW_COMPONENTS : CHANNEL_COMPONENTS;
        const query = { ...period, from: new Date(period.from), to: new Date(period.to), components: catalogue.map((_, i) => i).join(','), channelId: report.channelId };
        const { scope, names } = await resolve(report.kind, query);
        const fromRollups = buildComponents(names, await rollupReportData(t.db, scope, names), scope);
        const fromRaw = buildComponents(names, await rawReportData(t.db, scope), scope);
        expect({ report, period, chatbot, components: fromRollups }).toEqual({ report, period, chatbot, components: fromRaw });
        compared++;
      }
    }
  }
  return compared;
}

// One workspace's rollups: on a server the other test files write to the same database meanwhile, and a
// rollup folds their new rows in too.
const snapshot = async (workspaceId: string) =>
  (await sql<Record<string, unknown>>`select * from stats_rollups where workspace_id = ${workspaceId} order by assistant_id, channel_key, size, bucket`.execute(t.db)).rows;

describe('local buckets', () => {
  it('gives DST days 23 and 25 hours, and zones 45 minutes off UTC exact boundaries', () => {
    const days = localBuckets('Europe/Berlin', 86400, new Date('2025-03-29T12:00:00Z'), new Date('2025-03-31T12:00:00Z'), 10);
    expect(days.map((d) => [d.start.toISOString(), (d.end.getTime() - d.start.getTime()) / 3_600_000])).toEqual([
      ['2025-03-28T23:00:00.000Z', 24], ['2025-03-29T23:00:00.000Z', 23], ['2025-03-30T22:00:00.000Z', 24],
    ]);
    const fall = localBuckets('America/New_York', 86400, new Date('2025-11-02T12:00:00Z'), new Date('2025-11-02T12:00:00Z'), 10);
    expect(fall.map((d) => (d.end.getTime() - d.start.getTime()) / 3_600_000)).toEqual([25]);
    // The repeated hour of the fall-back is two buckets.
    const hours = localBuckets('America/New_York', 3600, new Date('2025-11-02T04:00:00Z'), new Date('2025-11-02T07:59:00Z'), 10);
    expect(hours.map((h) => h.start.toISOString())).toEqual(['2025-11-02T04:00:00.000Z', '2025-11-02T05:00:00.000Z', '2025-11-02T06:00:00.000Z', '2025-11-02T07:00:00.000Z']);
    const kathmandu = localBuckets('Asia/Kathmandu', 86400, new Date('2025-01-01T00:00:00Z'), new Date('2025-01-01T00:00:00Z'), 10);
    expect(kathmandu[0]!.start.toISOString()).toBe('2024-12-31T18:15:00.000Z');
    const chatham = localBuckets('Pacific/Chatham', 3600, new Date('2025-04-05T13:00:00Z'), new Date('2025-04-05T15:00:00Z'), 10);
    // Chatham leaves DST at 03:45 local (+13:45 -> +12:45): local 02:45-03:45 repeats, and the clock
    // change itself starts a bucket.
    expect(chatham.map((h) => h.start.toISOString().slice(11, 16))).toEqual(['12:15', '13:15', '14:00', '14:15']);
  });

  it('decomposes a period into the fewest aligned blocks', () => {
    const start = Date.parse('2024-12-31T18:15:00Z');
    const end = Date.parse('2026-01-01T18:15:00Z');
    const blocks = decompose(start, end);
    expect(blocks.reduce((s, b) => s + b.size * 1000, 0)).toBe(end - start);
    expect(blocks.length).toBeLessThan(80);
    for (const b of blocks) expect(b.start % (b.size * 1000)).toBe(0);
  });
});

describe('statistics rollups', () => {
  // Zones with DST on either hemisphere, and offsets of 30 and 45 minutes (with and without DST).
  const cases: Array<{ zone: string; seed: number }> = [
    { zone: 'Europe/Berlin', seed: 1 },
    { zone: 'America/New_York', seed: 2 },
    { zone: 'Asia/Kathmandu', seed: 3 },
    { zone: 'Australia/Adelaide', seed: 4 },
    { zone: 'Pacific/Chatham', seed: 5 },
    { zone: 'America/St_Johns', seed: 6 },
  ];

  for (const { zone, seed } of cases) {
    it(`equal raw rows for every component, in ${zone}, after changes, late messages and reruns (seed ${seed})`, async () => {
      const rng = prng(seed);
      const ws = await createTestWorkspace(t.db, { timeZone: zone });
      // 2025-03-01 .. 2025-04-10 holds the US, European and southern-hemisphere DST changes.
      const from = Date.parse('2025-03-01T00:00:00Z');
      const to = Date.parse('2025-04-10T00:00:00Z');
      const chats = await generate(ws, rng, from, to, 60);
      await rollupStatistics(t.db);
      const periods = [
        { from: '2025-03-02T00:00:00Z', to: '2025-04-08T00:00:00Z', interval: 86400 as const },
        { from: '2025-03-29T12:07:00Z', to: '2025-04-06T18:00:00Z', interval: 3600 as const },
        { from: '2025-03-08T00:00:00Z', to: '2025-03-10T23:00:00Z', interval: 3600 as const, timezone: 'Asia/Kolkata' },
      ];
      expect(await compareAll(ws, periods)).toBeGreaterThan(0);

      // Idempotent: another run (and two at once) changes nothing.
      const before = await snapshot(ws.workspace.id);
      await Promise.all([rollupStatistics(t.db), rollupStatistics(t.db)]);
      expect(await snapshot(ws.workspace.id)).toEqual(before);

      // Late messages in old buckets, an edited chat, a removed chat, a deleted message: the next run folds them in.
      await generate(ws, rng, from, from + 3 * 86_400_000, 5);
      await t.db.updateTable('chats').where('id', '=', chats[0]!).set({ channel_id: ws.channels.sms.id, language: 'fr', current_responder_id: ws.otherAgent.identityId }).execute();
      await t.db.updateTable('chats').where('id', '=', chats[1]!).set({ is_removed: true }).execute();
      await t.db.updateTable('messages').where('chat_id', '=', chats[2]!).set({ content: 'edited to a longer text than before', intent_name: 'refund' }).execute();
      await t.db.deleteFrom('messages').where('chat_id', '=', chats[3]!).execute();
      await rollupStatistics(t.db);
      await compareAll(ws, periods);

      // The backfill rebuilds exactly what the incremental runs built.
      const incremental = await snapshot(ws.workspace.id);
      // On a server, two spans at a time (the embedded database has one connection).
      await backfillStatistics(t.db, { workspaceId: ws.workspace.id, concurrency: process.env.DATABASE_URL ? 2 : 1 });
      expect(await snapshot(ws.workspace.id)).toEqual(incremental);
    });
  }
});

describe('rollups written before value lists', () => {
  it('are read, and folded together with listed ones, to the same figures as raw rows', async () => {
    const rng = prng(7);
    const ws = await createTestWorkspace(t.db, { timeZone: 'Asia/Kathmandu' });
    const from = Date.parse('2025-06-01T00:00:00Z');
    const to = Date.parse('2025-06-05T00:00:00Z');
    await generate(ws, rng, from, to, 40);
    await rollupStatistics(t.db);
    const listed = await sql<{ n: number }>`
      select count(*)::int as n from stats_rollups where workspace_id = ${ws.workspace.id} and size < 86400 and json_typeof(dists -> 'len') = 'array'`.execute(t.db);
    expect(listed.rows[0]!.n).toBeGreaterThan(0);
    // Every list back into the value -> count shape that rows had before the change.
    await sql`
      update stats_rollups r set dists = (
        select json_object_agg(d.key, case when json_typeof(d.value) = 'array'
          then (select json_object_agg(x, n) from (select x, count(*) as n from json_array_elements_text(d.value) x group by x) c) else d.value end)
        from json_each(r.dists) d)
      where workspace_id = ${ws.workspace.id} and size < 86400`.execute(t.db);
    const periods = [
      { from: '2025-06-01T00:00:00Z', to: '2025-06-05T00:00:00Z', interval: 86400 as const },
      { from: '2025-06-02T03:00:00Z', to: '2025-06-03T09:00:00Z', interval: 3600 as const },
    ];
    expect(await compareAll(ws, periods)).toBeGreaterThan(0);
    // New messages land in slices beside the old rows: their hours and days mix both shapes.
    await generate(ws, rng, from, to, 15);
    await rollupStatistics(t.db);
    await compareAll(ws, periods);
  });
});

describe('signed covers', () => {
  it('add up to the range, with far fewer blocks for days of zones off UTC', async () => {
    const { cover } = await import('@parley/core');
    const ranges: Array<[string, string]> = [
      ['2025-03-29T23:00:00Z', '2025-03-30T22:00:00Z'],
      ['2024-12-31T18:15:00Z', '2025-01-01T18:15:00Z'],
      ['2025-01-01T00:00:00Z', '2025-01-01T00:45:00Z'],
      ['2024-10-31T23:00:00Z', '2025-10-31T23:00:00Z'],
    ];
    for (const [from, to] of ranges) {
      const [s, e] = [Date.parse(from), Date.parse(to)];
      // Every quarter of [s, e) is covered exactly once, and none outside it.
      const weight = new Map<number, number>();
      for (const b of cover(s, e)) for (let q = b.start; q < b.start + b.size * 1000; q += 900_000) weight.set(q, (weight.get(q) ?? 0) + b.sign);
      for (const [q, w] of weight) expect(w).toBe(q >= s && q < e ? 1 : 0);
      for (let q = s; q < e; q += 900_000) expect(weight.get(q)).toBe(1);
    }
    // A Berlin day: an hour, the UTC day, less an hour; its 23-hour DST day: an hour, the day, less two hours.
    expect(cover(Date.parse('2025-01-04T23:00:00Z'), Date.parse('2025-01-05T23:00:00Z')).length).toBe(3);
    expect(cover(Date.parse('2025-03-29T23:00:00Z'), Date.parse('2025-03-30T22:00:00Z')).length).toBe(4);
  });
});
