import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey, createLocalExportStore, type ExportServices, rollupStatistics, EXPORT_KINDS } from '@parley/core';
import { insertChannel, insertChat } from '@parley/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { createInProcessExportQueue } from '../packages/functions/src/local/export-queue.js';
import { createExportWorker } from '../packages/functions/src/workers/export-worker.js';
import { parseCsv } from './harness/csv.js';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// Report values through HTTP, read from the rollups, on a small data set whose answers are known; the
// property test in stats-rollup.test.ts checks every component against raw rows on random data.

const t = useTestDb();
const dir = mkdtempSync(join(tmpdir(), 'parley-statistics-reports-'));
const store = createLocalExportStore({ dir, secret: 'test-signing-secret-0123456789' });
let ws: TestWorkspace;
let voiceId: string;
let key: string;
let app: ReturnType<typeof createLocalApp>;
let queue: ReturnType<typeof createInProcessExportQueue>;

const get = async (path: string, headers: Record<string, string> = { authorization: `Bearer ${key}` }) => {
  const res = await app.request(path, { headers });
  return { status: res.status, body: (await res.json()) as any };
};
const base = () => `/v1/chatbots/${ws.agent.identityId}/statistics`;
// Three Berlin days: 2026-01-05 .. 2026-01-07.
const PERIOD = 'from=2026-01-05T00:00:00%2B01:00&to=2026-01-07T23:59:59.999%2B01:00';

async function chat(channelId: string | null, createdAt: string, responder = ws.agent.identityId) {
  return insertChat(t.db, {
    workspaceId: ws.workspace.id, channelId, ownerId: ws.contact.identityId, responderId: responder, currentResponderId: responder,
    responderVersionId: null, title: null, createdAt: new Date(createdAt),
  });
}

beforeAll(async () => {
  ws = await createTestWorkspace(t.db, { timeZone: 'Europe/Berlin' });
  key = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['statistics:export'] })).token;
  voiceId = (await insertChannel(t.db, { workspaceId: ws.workspace.id, type: 'voice', name: 'Phone', responderId: ws.agent.identityId })).id;
  const exports: ExportServices = { queue: { send: async (id) => queue.send(id) }, store, waitMs: 0, linkTtlSeconds: 60, kinds: EXPORT_KINDS, maxReceives: 3 };
  app = createLocalApp({ db: async () => t.db, exports: () => exports }, { localExportStore: store });
  const worker = createExportWorker({ handle: async () => t.handle, store, leaseSeconds: 60, kinds: EXPORT_KINDS, maxReceives: 3, log: () => {} });
  queue = createInProcessExportQueue(worker, { maxReceives: 3, visibilityTimeoutMs: 10 });

  const a = await chat(ws.channels.whatsapp.id, '2026-01-05T10:00:00Z');
  await t.db.updateTable('chats').where('id', '=', a.id).set({ language: 'de' }).execute();
  await ws.appendMessages(a.id, [
    { role: 'user', content: 'hello', createdAt: new Date('2026-01-05T10:00:00Z') },
    { role: 'assistant', content: 'hi there!', createdAt: new Date('2026-01-05T10:01:00Z') },
    { role: 'user', content: 'order?', createdAt: new Date('2026-01-05T10:05:00Z') },
  ]);
  await t.db.updateTable('messages').where('chat_id', '=', a.id).where('role', '=', 'assistant').set({ intent_name: 'greeting', intent_score: 0.9, step: 'welcome' }).execute();
  // 00:30 on the 7th in Berlin.
  const b = await chat(ws.channels.sms.id, '2026-01-06T23:30:00Z');
  await ws.appendMessages(b.id, [{ role: 'user', content: 'abc', createdAt: new Date('2026-01-06T23:30:00Z') }]);
  const call = await chat(voiceId, '2026-01-06T12:00:00Z');
  await t.db.updateTable('chats').where('id', '=', call.id).set({
    call_duration_seconds: 120, call_end_reason: 'transferred', call_transfer_target: 'sales', call_exit_step: 'handoff', call_user_inputs: 3,
  }).execute();
  // Another chatbot's chat, and one outside the period: neither counts.
  await chat(ws.channels.api.id, '2026-01-05T12:00:00Z', ws.otherAgent.identityId);
  await chat(ws.channels.whatsapp.id, '2026-01-04T12:00:00Z');
  await rollupStatistics(t.db);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('statistics reports', () => {
  it('answers every overview component from the rollups, keyed by name, buckets at local midnight', async () => {
    const all = Array.from({ length: 17 }, (_, i) => i).join(',');
    const { status, body } = await get(`${base()}/reports/overview?${PERIOD}&interval=86400&components=${all}`);
    expect(status).toBe(200);
    expect(Object.keys(body)).toHaveLength(17);
    expect(body).toMatchObject({
      STEP_EXEC_COUNT: 1,
      CONVERSATION_COUNT: 3,
      CONVERSATION_LANGUAGES: [{ language: 'unknown', count: 2 }, { language: 'de', count: 1 }],
      CONVERSATION_BY_CHANNEL_TYPE: [{ channelType: 'sms', count: 1 }, { channelType: 'voice', count: 1 }, { channelType: 'whatsapp', count: 1 }],
      // Previous period: 2026-01-02 .. 04, with the chat of the 4th.
      CONVERSATION_COUNT_PERIODIC_TREND: { current: 3, previous: 1, change: 2, changePercent: 200, previousFrom: '2026-01-02T00:00:00+01:00', previousTo: '2026-01-05T00:00:00+01:00' },
      // 3, 1 and 0 messages.
      CONVERSATION_MESSAGE_COUNT_MEDIAN: 1,
      MESSAGE_COUNT: 4,
      MESSAGE_COUNT_PERIODIC_TREND: { current: 4, previous: 0, change: 4, changePercent: null },
      // 5, 9, 6 and 3 characters.
      MESSAGE_LENGTH_MEDIAN: 5.5,
      INTENT_HITS: [{ intent: 'greeting', count: 1 }],
      INTENT_SCORE_MEDIAN: 0.9,
      INTENT_COUNT: 1,
      INTERACTION_COUNT: 3,
    });
    expect(body.CONVERSATION_COUNT_INTERVAL).toEqual([
      { start: '2026-01-05T00:00:00+01:00', end: '2026-01-06T00:00:00+01:00', count: 1 },
      { start: '2026-01-06T00:00:00+01:00', end: '2026-01-07T00:00:00+01:00', count: 1 },
      { start: '2026-01-07T00:00:00+01:00', end: '2026-01-08T00:00:00+01:00', count: 1 },
    ]);
    expect(body.MESSAGE_COUNT_INTERVAL.map((b: { count: number }) => b.count)).toEqual([3, 0, 1]);
    expect(body.INTERACTION_COUNT_INTERVAL.map((b: { count: number }) => b.count)).toEqual([2, 0, 1]);
  });

  it('answers the call components of a channel report, only those asked for', async () => {
    const { status, body } = await get(`${base()}/reports/channel?${PERIOD}&interval=86400&channelId=${voiceId}&components=16,17,18,19,20,21,22,1`);
    expect(status).toBe(200);
    expect(body).toEqual({
      CONVERSATION_COUNT_FOR_CHANNEL_ID: 1,
      CALL_DURATION_TOTAL: 120,
      CALL_DURATION_PERIODIC_TREND: expect.objectContaining({ current: 120, previous: 0, change: 120, changePercent: null }),
      CALL_DURATION_MEDIAN: 120,
      CALL_EXIT_STEP: [{ step: 'handoff', count: 1 }],
      CALL_USER_INPUTS_MEDIAN: 3,
      CALL_END_REASON: [{ reason: 'transferred', count: 1 }],
      CALL_TRANSFER_TARGET: [{ target: 'sales', count: 1 }],
    });
  });

  it('buckets hours in a named zone 45 minutes off UTC, zeros included', async () => {
    const { body } = await get(
      `${base()}/reports/overview?from=2026-01-05T15:30:00%2B05:45&to=2026-01-05T16:10:00%2B05:45&interval=3600&components=8&timezone=Asia/Kathmandu`,
      { 'x-chatcaptain-key': key },
    );
    expect(body.MESSAGE_COUNT_INTERVAL).toEqual([
      { start: '2026-01-05T15:00:00+05:45', end: '2026-01-05T16:00:00+05:45', count: 3 },
      { start: '2026-01-05T16:00:00+05:45', end: '2026-01-05T17:00:00+05:45', count: 0 },
    ]);
  });

  it('folds a late message in on the next rollup run, not before', async () => {
    const late = await chat(ws.channels.whatsapp.id, '2026-01-07T08:00:00Z');
    const path = `${base()}/reports/overview?${PERIOD}&interval=86400&components=1,7`;
    expect((await get(path)).body).toEqual({ CONVERSATION_COUNT: 3, MESSAGE_COUNT: 4 });
    await ws.appendMessages(late.id, [{ role: 'user', content: 'late', createdAt: new Date('2026-01-07T08:00:00Z') }]);
    await rollupStatistics(t.db);
    expect((await get(path)).body).toEqual({ CONVERSATION_COUNT: 4, MESSAGE_COUNT: 5 });
    await t.db.deleteFrom('chats').where('id', '=', late.id).execute();
    await rollupStatistics(t.db);
    expect((await get(path)).body).toEqual({ CONVERSATION_COUNT: 3, MESSAGE_COUNT: 4 });
  });

  it('answers 400 for unknown components, zones, reversed periods and too many buckets', async () => {
    const bad = [
      `${base()}/reports/overview?${PERIOD}&interval=86400&components=0,17`,
      `${base()}/reports/overview?${PERIOD}&interval=86400&components=`,
      `${base()}/reports/channel?${PERIOD}&interval=86400&channelId=${voiceId}&components=23`,
      `${base()}/reports/overview?${PERIOD}&interval=86400&components=1&timezone=Mars/Olympus`,
      `${base()}/reports/overview?from=2026-01-07T00:00:00Z&to=2026-01-05T00:00:00Z&interval=86400&components=1`,
      `${base()}/reports/overview?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=3600&components=1`,
    ];
    for (const path of bad) {
      const { status, body } = await get(path);
      expect({ path, status, code: body.error?.code }).toEqual({ path, status: 400, code: 'validation_failed' });
    }
    expect((await get(`${base()}/reports/channel?${PERIOD}&interval=86400&channelId=00000000-0000-4000-8000-000000000000&components=1`)).status).toBe(404);
  });

  it('exports one CSV row per day and component, computed from the rollups', async () => {
    const res = await app.request(`${base()}/export?${PERIOD}`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(202);
    const { exportId } = (await res.json()) as { exportId: string };
    await queue.drain();
    const status = (await get(`${base()}/export/${exportId}`)).body as { status: string; downloadUrl: string };
    expect(status.status).toBe('completed');
    const rows = parseCsv(await (await app.request(status.downloadUrl)).text());
    expect(rows[0]).toEqual(['bucket_start', 'bucket_end', 'component', 'key', 'value']);
    const pick = (component: string, day: string) => rows.filter((r) => r[2] === component && r[0]!.startsWith(day)).map((r) => [r[3], r[4]]);
    expect(pick('CONVERSATION_COUNT', '2026-01-05')).toEqual([['', '1']]);
    expect(pick('MESSAGE_COUNT', '2026-01-05')).toEqual([['', '3']]);
    expect(pick('MESSAGE_LENGTH_MEDIAN', '2026-01-05')).toEqual([['', '6']]);
    expect(pick('MESSAGE_LENGTH_MEDIAN', '2026-01-06')).toEqual([['', '']]);
    expect(pick('CONVERSATION_BY_CHANNEL_TYPE', '2026-01-06')).toEqual([['voice', '1']]);
    expect(pick('CALL_END_REASON', '2026-01-06')).toEqual([['transferred', '1']]);
    expect(new Set(rows.slice(1).map((r) => r[0]))).toEqual(new Set(['2026-01-05T00:00:00+01:00', '2026-01-06T00:00:00+01:00', '2026-01-07T00:00:00+01:00']));
  });
});
