import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  config,
  createApiKey,
  createLocalExportStore,
  csvCell,
  EXPORT_KINDS,
  type ExportQueue,
  type ExportServices,
  type StatisticsExportParams,
  type StatisticsRowsSource,
  statisticsExportKind,
} from '@parley/core';
import { findExportJobById, insertChannel, insertChat, insertSquad, type NewMessageInput } from '@parley/db';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handle } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { createInProcessExportQueue } from '../packages/functions/src/local/export-queue.js';
import { createExportWorker } from '../packages/functions/src/workers/export-worker.js';
import { parseCsv } from './harness/csv.js';
import { useTestDb } from './harness/db.js';
import { httpApiEvent } from './harness/lambda-events.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// The statistics group (/v1/chatbots/{chatbotId}/statistics): authentication and validation of the
// reports (their values are tested with the rollups), the chatbot's channels, the inbox statistics, and
// the statistics export through the shared export pipeline.

const t = useTestDb();
const dir = mkdtempSync(join(tmpdir(), 'parley-statistics-exports-'));
const store = createLocalExportStore({ dir, secret: 'test-signing-secret-0123456789' });

let ws: TestWorkspace;
let exportKey: string;
const base = (chatbotId: string = ws.agent.identityId) => `/v1/chatbots/${chatbotId}/statistics`;
/** Where links point without PUBLIC_URL, off Lambda. */
const localBase = () => `http://localhost:${config().port}`;

/** A queue that keeps what is sent, for tests that deliver by hand or not at all. */
function recordingQueue(): ExportQueue & { sent: string[] } {
  const sent: string[] = [];
  return { sent, send: async (id) => void sent.push(id) };
}

function appWith(queue: ExportQueue) {
  const exports: ExportServices = { queue, store, waitMs: 0, linkTtlSeconds: 60, kinds: EXPORT_KINDS, maxReceives: 4 };
  return createLocalApp({ db: async () => t.db, exports: () => exports }, { localExportStore: store });
}
type App = ReturnType<typeof appWith>;

const call = (app: App, path: string, init: { method?: string; key?: string | null; headers?: Record<string, string> } = {}) =>
  app.request(path, {
    method: init.method ?? 'GET',
    headers: { ...(init.key === null ? {} : { authorization: `Bearer ${init.key ?? exportKey}` }), ...init.headers },
  });

beforeAll(async () => {
  ws = await createTestWorkspace(t.db, { timeZone: 'Europe/Berlin' });
  exportKey = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['statistics:export'] })).token;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const PERIOD = 'from=2026-01-01T00:00:00Z&to=2026-01-31T23:59:59.999Z';

describe('the reports: authentication and validation', () => {
  const overview = (query = `${PERIOD}&interval=86400&components=0,1`) => `${base()}/reports/overview?${query}`;
  const channel = (query = `${PERIOD}&interval=86400&components=0,1&channelId=${ws.channels.whatsapp.id}`) => `${base()}/reports/channel?${query}`;

  it('answers 401 without a key, and 403 to a key without statistics:read', async () => {
    const none = await ws.request(overview(), { key: null });
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe('unauthorized');
    for (const path of [overview(), channel()]) {
      const res = await ws.request(path, { key: ws.keys.read });
      expect(res.status).toBe(403);
      expect((await res.json()).error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('statistics:read') });
    }
  });

  it('answers 404 for a chatbot that is no assistant of the workspace', async () => {
    const other = await createTestWorkspace(t.db);
    const ids = [randomUUID(), 'not-a-uuid', other.agent.identityId, ws.squad.identityId, ws.admin.identityId, ws.contact.identityId];
    for (const id of ids) {
      const res = await ws.request(`${base(id)}/reports/overview?${PERIOD}&interval=86400&components=0`, { key: ws.keys.statistics });
      expect(res.status, id).toBe(404);
      expect((await res.json()).error, id).toMatchObject({ code: 'not_found', message: 'Chatbot not found', requestId: expect.any(String) });
    }
  });

  it.each([
    ['interval 7200', `${PERIOD}&interval=7200&components=0`, 'query.interval'],
    ['interval day', `${PERIOD}&interval=day&components=0`, 'query.interval'],
    ['no interval', `${PERIOD}&components=0`, 'query.interval'],
    ['from without an offset', 'from=2026-01-01T00:00:00&to=2026-01-31T23:59:59Z&interval=86400&components=0', 'query.from'],
    ['no components', `${PERIOD}&interval=86400`, 'query.components'],
    ['an unknown parameter', `${PERIOD}&interval=86400&components=0&channel=x`, 'query.channel'],
  ])('answers 400 for %s', async (_name, query, issuePath) => {
    const res = await ws.request(overview(query), { key: ws.keys.statistics });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.code).toBe('validation_failed');
    expect(error.issues.map((i: { path: string }) => i.path)).toContain(issuePath);
    if (issuePath === 'query.interval') expect(error.message).toContain('must be 86400 (local days) or 3600 (local hours)');
  });

  it('answers 400 for a channel report without a channelId, or with a malformed one', async () => {
    for (const query of [`${PERIOD}&interval=3600&components=0`, `${PERIOD}&interval=3600&components=0&channelId=abc`]) {
      const res = await ws.request(channel(query), { key: ws.keys.statistics });
      expect(res.status).toBe(400);
      expect((await res.json()).error.issues).toEqual([expect.objectContaining({ path: 'query.channelId' })]);
    }
  });
});

describe('GET /channels', () => {
  it("lists the channels the chatbot answers on, its squads' included, by name", async () => {
    const local = await createTestWorkspace(t.db);
    // A squad without the chatbot, and a disabled channel of the chatbot.
    const sales = await insertSquad(t.db, { workspaceId: local.workspace.id, name: 'Sales only', assistantIds: [local.otherAgent.identityId] });
    await insertChannel(t.db, { workspaceId: local.workspace.id, type: 'email', name: 'Sales inbox', responderId: sales.identityId });
    const disabled = await insertChannel(t.db, { workspaceId: local.workspace.id, type: 'voice', name: 'Hotline', responderId: local.agent.identityId });
    await t.db.updateTable('channels').set({ is_enabled: false }).where('id', '=', disabled.id).execute();

    const res = await local.request(`${base(local.agent.identityId)}/channels`, { key: local.keys.statistics });
    expect(res.status).toBe(200);
    const { channels } = await res.json();
    expect(channels.map((c: { name: string }) => c.name)).toEqual(['Hotline', 'sms channel', 'whatsapp channel', 'widget channel']);
    expect(channels[0]).toEqual({ id: disabled.id, type: 'voice', name: 'Hotline', isEnabled: false, createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/) });
    expect(channels[3]).toMatchObject({ id: local.channels.widget.id, type: 'widget', isEnabled: true });

    // The other chatbot: its own api channel and the squad channels, not the chatbot's.
    const other = await (await local.request(`${base(local.otherAgent.identityId)}/channels`, { key: local.keys.statistics })).json();
    const expected = await t.db
      .selectFrom('channels')
      .select('id')
      .where('workspace_id', '=', local.workspace.id)
      .where('name', 'in', ['api channel', 'Sales inbox', 'widget channel'])
      .orderBy('name')
      .orderBy('id')
      .execute();
    expect(other.channels.map((c: { id: string }) => c.id)).toEqual(expected.map((c) => c.id));
  });

  it('takes the key in x-chatcaptain-key too', async () => {
    const res = await ws.request(`${base()}/channels`, { key: null, headers: { 'x-chatcaptain-key': ws.keys.statistics! } });
    expect(res.status).toBe(200);
    expect((await res.json()).channels).toHaveLength(3);
    expect((await ws.request(`${base()}/channels`, { key: null, headers: { 'x-chatcaptain-key': 'prl_nope' } })).status).toBe(401);
  });
});

describe('GET /inbox', () => {
  let local: TestWorkspace;
  const t0 = new Date('2026-03-10T09:00:00Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
  const from = '2026-03-10T00:00:00Z';
  const to = '2026-03-11T00:00:00Z';

  interface InboxChat {
    createdAt?: Date;
    responderId?: string;
    currentResponderId?: string;
    state?: 'OPEN' | 'SNOOZED' | 'CLOSED';
    assignedMemberId?: number;
    needsResponse?: boolean;
    archived?: boolean;
    removed?: boolean;
    test?: boolean;
    messages?: Array<[role: NewMessageInput['role'], author: string | null, seconds: number]>;
  }

  async function chat(setup: InboxChat) {
    const created = await insertChat(t.db, {
      workspaceId: local.workspace.id,
      channelId: local.channels.whatsapp.id,
      ownerId: local.contact.identityId,
      responderId: setup.responderId ?? local.agent.identityId,
      currentResponderId: setup.currentResponderId ?? null,
      responderVersionId: null,
      title: null,
      createdAt: setup.createdAt ?? t0,
    });
    await t.db
      .updateTable('chats')
      .set({
        state: setup.state ?? 'OPEN',
        assigned_member_id: setup.assignedMemberId ?? null,
        needs_response: setup.needsResponse ?? false,
        is_archived: setup.archived ?? false,
        is_removed: setup.removed ?? false,
        is_test: setup.test ?? false,
      })
      .where('id', '=', created.id)
      .execute();
    if (setup.messages?.length) {
      await local.appendMessages(
        created.id,
        setup.messages.map(([role, authorId, seconds]) => ({ role, authorId, content: `${role} at ${seconds}`, createdAt: at(seconds) })),
      );
    }
    return created;
  }

  beforeAll(async () => {
    local = await createTestWorkspace(t.db);
    const contact = local.contact.identityId;
    const admin = local.admin.identityId;
    const member = local.member.identityId;
    const bot = local.agent.identityId;
    // First human response 60 s: the bot's own answer does not count.
    await chat({ needsResponse: true, assignedMemberId: local.admin.id, messages: [['user', contact, 0], ['assistant', bot, 5], ['assistant', admin, 60]] });
    // 30 s: a note does not count.
    await chat({ state: 'SNOOZED', assignedMemberId: local.admin.id, messages: [['user', contact, 0], ['note', member, 10], ['assistant', member, 30]] });
    // 90 s: a member's message before the first user message does not count. Closed: neither waiting nor unassigned.
    await chat({ state: 'CLOSED', needsResponse: true, messages: [['assistant', admin, -100], ['user', contact, 0], ['user', contact, 20], ['assistant', admin, 90]] });
    // Archived: not waiting. No messages, no response.
    await chat({ needsResponse: true, archived: true });
    // Handed over to the chatbot by another: its chat now. A user message only.
    await chat({ responderId: local.otherAgent.identityId, currentResponderId: bot, assignedMemberId: local.member.id, messages: [['user', contact, 0]] });
    // At `to` exactly: inside. 45.5 s.
    await chat({ createdAt: new Date(to), messages: [['user', contact, 0], ['user', member, 45.5]] });
    // Outside: handed away from the chatbot, removed, a test, before `from`, another chatbot's.
    await chat({ currentResponderId: local.otherAgent.identityId, messages: [['user', contact, 0], ['assistant', admin, 1]] });
    await chat({ removed: true, messages: [['user', contact, 0], ['assistant', admin, 1]] });
    await chat({ test: true, needsResponse: true, messages: [['user', contact, 0], ['assistant', admin, 1]] });
    await chat({ createdAt: new Date('2026-03-09T23:59:59.999Z'), messages: [['user', contact, 0], ['assistant', admin, 1]] });
    await chat({ responderId: local.otherAgent.identityId, assignedMemberId: local.member.id });
  });

  it('counts the chatbot’s chats of the period by state, waiting, assignment, and the median first human response', async () => {
    const res = await local.request(`${base(local.agent.identityId)}/inbox?from=${from}&to=${to}`, { key: local.keys.statistics });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      from: '2026-03-10T00:00:00.000Z',
      to: '2026-03-11T00:00:00.000Z',
      conversations: 6,
      open: 4,
      snoozed: 1,
      closed: 1,
      needsResponse: 1,
      unassigned: 2,
      assigned: [
        { memberId: local.admin.id, name: 'Alice Admin', count: 2 },
        { memberId: local.member.id, name: 'Mo Member', count: 1 },
      ],
      // The median of 30, 45.5, 60 and 90.
      medianFirstHumanResponseSeconds: 52.75,
    });
  });

  it('answers zeros and a null median for a period without chats', async () => {
    const res = await local.request(`${base(local.agent.identityId)}/inbox?from=2020-01-01T00:00:00%2B02:00&to=2020-01-02T00:00:00%2B02:00`, {
      key: local.keys.statistics,
    });
    expect(await res.json()).toEqual({
      from: '2019-12-31T22:00:00.000Z',
      to: '2020-01-01T22:00:00.000Z',
      conversations: 0,
      open: 0,
      snoozed: 0,
      closed: 0,
      needsResponse: 0,
      unassigned: 0,
      assigned: [],
      medianFirstHumanResponseSeconds: null,
    });
  });

  it('takes periods up to 731 days, and answers 400 for longer or reversed ones and instants without an offset', async () => {
    const inbox = (query: string) => local.request(`${base(local.agent.identityId)}/inbox?${query}`, { key: local.keys.statistics });
    expect((await inbox('from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z')).status).toBe(200);
    for (const query of ['from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00.001Z', `from=${to}&to=${from}`, 'from=2026-03-10T00:00:00&to=2026-03-11T00:00:00Z', `from=${from}`]) {
      const res = await inbox(query);
      expect(res.status, query).toBe(400);
      expect((await res.json()).error.code, query).toBe('validation_failed');
    }
    expect((await inbox(`from=${to}&to=${from}`).then((r) => r.json())).error.issues).toEqual([{ path: 'query.to', message: 'must not be before from' }]);
  });

  it('answers 403 without statistics:read and 404 for another workspace’s chatbot', async () => {
    expect((await local.request(`${base(local.agent.identityId)}/inbox?from=${from}&to=${to}`, { key: local.keys.read })).status).toBe(403);
    expect((await local.request(`${base(ws.agent.identityId)}/inbox?from=${from}&to=${to}`, { key: local.keys.statistics })).status).toBe(404);
  });
});

describe('POST /export and GET /export/{exportId}', () => {
  const post = (app: App, query: string, options: { key?: string; chatbotId?: string } = {}) =>
    call(app, `${base(options.chatbotId)}/export?${query}`, { method: 'POST', key: options.key });

  it('records a statistics export job and answers 202 with its status URL; the status reads queued', async () => {
    const queue = recordingQueue();
    const app = appWith(queue);
    const res = await post(app, 'from=2026-01-01T00:00:00%2B01:00&to=2026-01-31T23:59:59.999%2B01:00');
    expect(res.status).toBe(202);
    const body = (await res.json()) as { exportId: string; status: string; statusUrl: string };
    expect(body).toEqual({ exportId: expect.any(String), status: 'queued', statusUrl: `${localBase()}${base()}/export/${body.exportId}` });
    expect(res.headers.get('location')).toBe(body.statusUrl);
    expect(queue.sent).toEqual([body.exportId]);
    const job = await findExportJobById(t.db, body.exportId);
    expect(job).toMatchObject({ kind: 'statistics', status: 'queued', requestedBy: ws.admin.id, workspaceId: ws.workspace.id });
    // Instants stored in UTC; the workspace's zone when none is named; daily buckets by default.
    expect(job!.params).toEqual({ chatbotId: ws.agent.identityId, from: '2025-12-31T23:00:00.000Z', to: '2026-01-31T22:59:59.999Z', interval: 86400, timezone: 'Europe/Berlin' });

    const status = await call(app, body.statusUrl);
    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({ status: 'queued' });
  });

  it('names API Gateway’s own domain in its links on Lambda, whatever the Host header says', async () => {
    const lambda = handle(appWith(recordingQueue()));
    const event = httpApiEvent('POST', `${base()}/export?from=2026-02-01T00:00:00Z&to=2026-02-02T00:00:00Z`, {
      headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', authorization: `Bearer ${exportKey}` },
    });
    event.requestContext.domainName = 'abc123.execute-api.us-east-1.amazonaws.com';
    const res = (await lambda(event as never, {} as never)) as APIGatewayProxyStructuredResultV2;
    expect(res.statusCode).toBe(202);
    const { exportId, statusUrl } = JSON.parse(res.body!) as { exportId: string; statusUrl: string };
    expect(statusUrl).toBe(`https://abc123.execute-api.us-east-1.amazonaws.com${base()}/export/${exportId}`);
    expect(res.headers?.location).toBe(statusUrl);
  });

  it('keeps a named zone and hourly buckets, and shares the job of an identical request', async () => {
    const queue = recordingQueue();
    const app = appWith(queue);
    const query = 'from=2026-02-01T00:00:00Z&to=2026-02-02T00:00:00Z&interval=3600&timezone=America/New_York';
    const first = (await (await post(app, query)).json()) as { exportId: string };
    const again = (await (await post(app, query.split('&').reverse().join('&'))).json()) as { exportId: string };
    expect(again.exportId).toBe(first.exportId);
    expect(queue.sent).toEqual([first.exportId]);
    expect((await findExportJobById(t.db, first.exportId))!.params).toMatchObject({ interval: 3600, timezone: 'America/New_York' });
  });

  it.each([
    ['an unknown zone', 'from=2026-02-01T00:00:00Z&to=2026-02-02T00:00:00Z&timezone=Mars/Olympus', 'query.timezone'],
    ['an interval of 60', 'from=2026-02-01T00:00:00Z&to=2026-02-02T00:00:00Z&interval=60', 'query.interval'],
    ['a reversed period', 'from=2026-02-02T00:00:00Z&to=2026-02-01T00:00:00Z', 'query.to'],
    ['more than 744 hourly buckets', 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&interval=3600', 'query.to'],
    ['more than 731 daily buckets', 'from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'query.to'],
    ['from without an offset', 'from=2026-02-01T00:00:00&to=2026-02-02T00:00:00Z', 'query.from'],
  ])('answers 400 for %s and records nothing', async (_name, query, issuePath) => {
    const queue = recordingQueue();
    const res = await post(appWith(queue), query);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.issues.map((i: { path: string }) => i.path)).toContain(issuePath);
    expect(queue.sent).toEqual([]);
  });

  it('takes 744 hourly buckets', async () => {
    const res = await post(appWith(recordingQueue()), 'from=2026-01-01T00:00:00Z&to=2026-01-31T23:59:59Z&interval=3600');
    expect(res.status).toBe(202);
  });

  it('answers 403 without statistics:export, and 401 without a key', async () => {
    const queue = recordingQueue();
    const app = appWith(queue);
    const { exportId } = (await (await post(app, 'from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z')).json()) as { exportId: string };
    expect((await post(app, 'from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z', { key: ws.keys.statistics })).status).toBe(403);
    expect((await call(app, `${base()}/export/${exportId}`, { key: ws.keys.statistics })).status).toBe(403);
    expect((await call(app, `${base()}/export/${exportId}`, { key: null })).status).toBe(401);
    // Every scope, in the seed's header.
    expect((await call(app, `${base()}/export/${exportId}`, { key: null, headers: { 'x-chatcaptain-key': ws.keys.all! } })).status).toBe(200);
    expect(queue.sent).toEqual([exportId]);
  });

  it("answers 404 for another chatbot's export, another workspace's, an export of another kind and an unknown one", async () => {
    const app = appWith(recordingQueue());
    const { exportId } = (await (await post(app, 'from=2026-04-01T00:00:00Z&to=2026-04-02T00:00:00Z')).json()) as { exportId: string };
    expect((await call(app, `${base()}/export/${exportId}`)).status).toBe(200);
    expect((await call(app, `${base(ws.otherAgent.identityId)}/export/${exportId}`)).status).toBe(404);
    const other = await createTestWorkspace(t.db);
    expect((await call(app, `${base(other.agent.identityId)}/export/${exportId}`, { key: other.keys.all })).status).toBe(404);
    expect((await call(app, `${base()}/export/${exportId}`, { key: other.keys.all })).status).toBe(404);
    const chats = await call(app, `/api/v2/w/${ws.workspace.id}/chats/export`, { key: ws.keys.all });
    expect(chats.status).toBe(202);
    const chatsExport = ((await chats.json()) as { exportId: string }).exportId;
    expect((await call(app, `${base()}/export/${chatsExport}`)).status).toBe(404);
    expect((await call(app, `${base()}/export/${randomUUID()}`)).status).toBe(404);
    expect((await call(app, `${base()}/export/not-a-uuid`)).status).toBe(400);
    expect((await call(app, `/api/v2/w/${ws.workspace.id}/chats/exports/${exportId}`, { key: ws.keys.all })).status).toBe(404);
  });
});

describe('the statistics export worker', () => {
  const ROWS = [
    ['bucket_start', 'bucket_end', 'component', 'key', 'value'],
    ['2026-05-01T00:00:00.000+02:00', '2026-05-02T00:00:00.000+02:00', 'CONVERSATION_COUNT', '', '12'],
    ['2026-05-01T00:00:00.000+02:00', '2026-05-02T00:00:00.000+02:00', 'CONVERSATION_COUNT_PERIODIC_TREND', 'change', '-5'],
    ['2026-05-01T00:00:00.000+02:00', '2026-05-02T00:00:00.000+02:00', 'CONVERSATION_COUNT_PERIODIC_TREND', 'changePercent', '-0.25'],
    ['2026-05-01T00:00:00.000+02:00', '2026-05-02T00:00:00.000+02:00', 'INTENT_HITS', '=HYPERLINK("http://x.test")', '3'],
    ['2026-05-01T00:00:00.000+02:00', '2026-05-02T00:00:00.000+02:00', 'INTENT_HITS', 'refund, "fast"\nplease', '2'],
    ['2026-05-01T00:00:00.000+02:00', '2026-05-02T00:00:00.000+02:00', 'CONVERSATION_LANGUAGES', '-2+3', '1'],
    ['2026-05-01T00:00:00.000+02:00', '2026-05-02T00:00:00.000+02:00', 'CALL_EXIT_STEP', '@step\tone', ''],
    ['2026-05-01T00:00:00.000+02:00', '2026-05-02T00:00:00.000+02:00', 'INTENT_SCORE_MEDIAN', 'Ünïcödé 🎉', '1e-7'],
  ];

  function workerApp(source: StatisticsRowsSource) {
    const worker = createExportWorker({
      handle: async () => t.handle,
      store,
      leaseSeconds: 60,
      maxReceives: 4,
      log: () => {},
      kinds: { ...EXPORT_KINDS, statistics: statisticsExportKind(source) },
    });
    const queue = createInProcessExportQueue(worker, { maxReceives: 4, visibilityTimeoutMs: 10 });
    return { queue, app: appWith(queue) };
  }

  it('writes the rows as RFC 4180 CSV with formulas neutralised and numbers kept, and links it from the status', async () => {
    const seen: Array<{ workspaceId: string; params: StatisticsExportParams }> = [];
    const { queue, app } = workerApp(async (_db, workspaceId, params) => {
      seen.push({ workspaceId, params });
      return ROWS;
    });
    const res = await call(app, `${base()}/export?from=2026-05-01T00:00:00%2B02:00&to=2026-05-01T23:59:59%2B02:00`, { method: 'POST' });
    const { exportId } = (await res.json()) as { exportId: string };
    await queue.drain();
    expect(seen).toEqual([
      { workspaceId: ws.workspace.id, params: { chatbotId: ws.agent.identityId, from: '2026-04-30T22:00:00.000Z', to: '2026-05-01T21:59:59.000Z', interval: 86400, timezone: 'Europe/Berlin' } },
    ]);
    const status = (await (await call(app, `${base()}/export/${exportId}`)).json()) as { status: string; downloadUrl: string };
    expect(Object.keys(status).sort()).toEqual(['downloadUrl', 'status']);
    expect(status.status).toBe('completed');
    expect(status.downloadUrl.startsWith(`${localBase()}/local-exports/`)).toBe(true);
    expect(new URL(status.downloadUrl).searchParams.get('filename')).toMatch(/^statistics-export-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.csv$/);
    expect(await findExportJobById(t.db, exportId)).toMatchObject({ status: 'completed', rowCount: ROWS.length - 1, attempts: 1 });

    const file = await app.request(status.downloadUrl);
    expect(file.status).toBe(200);
    const text = await file.text();
    expect(Buffer.byteLength(text)).toBe((await findExportJobById(t.db, exportId))!.byteCount);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n')[0]).toBe('bucket_start,bucket_end,component,key,value');
    expect(text).toContain(',"refund, ""fast""\nplease",2\r\n');
    // Every LF outside quotes ends a record with CRLF.
    expect(text.replace(/"[^"]*(""[^"]*)*"/g, '').match(/(?<!\r)\n/g)).toBeNull();
    const [, ...rows] = parseCsv(text);
    expect(rows.map((r) => [r[3], r[4]])).toEqual([
      ['', '12'],
      ['change', '-5'],
      ['changePercent', '-0.25'],
      [`'=HYPERLINK("http://x.test")`, '3'],
      ['refund, "fast"\nplease', '2'],
      ["'-2+3", '1'],
      ["'@step\tone", ''],
      ['Ünïcödé 🎉', '1e-7'],
    ]);
  });

  it('marks the job failed with a plain reason after the last delivery', async () => {
    const { queue, app } = workerApp(async () => {
      throw new Error('no rollups for this period');
    });
    const { exportId } = (await (await call(app, `${base()}/export?from=2026-06-01T00:00:00Z&to=2026-06-02T00:00:00Z`, { method: 'POST' })).json()) as {
      exportId: string;
    };
    await queue.drain();
    expect(queue.deadLetters).toHaveLength(1);
    expect(await (await call(app, `${base()}/export/${exportId}`)).json()).toEqual({ status: 'failed', error: "Attempt 4 failed: the export's rows could not be read" });
  });

  it('neutralises formula cells but not numbers', () => {
    expect(['=1+1', '+15550001', '-', '-x', '@a', '\tx', '\rx', '-5', '-0.5', '-1e-7', '12', '', 'a,b', 'say "hi"', 'a\r\nb'].map(csvCell)).toEqual([
      "'=1+1",
      "'+15550001",
      "'-",
      "'-x",
      "'@a",
      "'\tx",
      `"'\rx"`,
      '-5',
      '-0.5',
      '-1e-7',
      '12',
      '',
      '"a,b"',
      '"say ""hi"""',
      '"a\r\nb"',
    ]);
  });
});
