import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey, createLocalExportStore, EXPORT_KINDS, type ExportQueue, type ExportServices, statisticsExportKind } from '@parley/core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessExportQueue } from '../packages/functions/src/local/export-queue.js';
import { createExportWorker } from '../packages/functions/src/workers/export-worker.js';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// Where events come from: every change a client cares about, made through the HTTP API, records its
// event in the transaction that makes it; a change that rolls back leaves none.

const t = useTestDb();
const dir = mkdtempSync(join(tmpdir(), 'parley-event-sources-'));
const store = createLocalExportStore({ dir, secret: 'test-signing-secret-0123456789' });

// Idempotency keys of this prefix fail where the outcome is recorded, the last write of the change's
// transaction (after the change and its event): the transaction rolls back. Other keys are untouched.
const FAILING_KEY = 'event-sources-fail-';
beforeAll(async () => {
  await sql`create or replace function event_sources_fail() returns trigger language plpgsql as $$ begin raise exception 'the outcome could not be recorded'; end $$`.execute(t.db);
  await sql`drop trigger if exists event_sources_fail on idempotency_keys`.execute(t.db);
  await sql.raw(`create trigger event_sources_fail before update on idempotency_keys for each row when (new.key like '${FAILING_KEY}%' and new.state = 'completed') execute function event_sources_fail()`).execute(t.db);
});
afterAll(async () => {
  await sql`drop trigger if exists event_sources_fail on idempotency_keys`.execute(t.db);
  await sql`drop function if exists event_sources_fail()`.execute(t.db);
  rmSync(dir, { recursive: true, force: true });
});

type Event = { id: string; type: string; resourceId: string; schemaVersion: number; data: any };

/** Every event the key may read from `after` on. */
async function readAll(ws: TestWorkspace, options: { after?: string; key?: string } = {}) {
  const events: Event[] = [];
  let after = options.after;
  for (;;) {
    const res = await ws.request(`/api/v2/w/${ws.workspace.id}/events?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`, { key: options.key });
    expect(res.status, await res.clone().text()).toBe(200);
    const page = await res.json();
    events.push(...page.events);
    after = page.nextCursor;
    if (page.endOfStream) return { events, cursor: after! };
  }
}

/** The events recorded since `cursor`, and the cursor after them. */
async function since(ws: TestWorkspace, cursor: string, key?: string) {
  return readAll(ws, { after: cursor, key });
}

const types = (events: Event[]) => events.map((e) => e.type);

/** A workspace whose exports run in-process: chats exports by the registry's kinds, statistics from `rows` (throws: the job fails). */
async function workspaceWithExports(rows: () => Promise<string[][]> = async () => [['bucket_start', 'value'], ['2026-05-01', '1']]) {
  const worker = createExportWorker({
    handle: async () => t.handle,
    store,
    leaseSeconds: 60,
    maxReceives: 2,
    log: () => {},
    metrics: { record: () => ({}) },
    kinds: { ...EXPORT_KINDS, statistics: statisticsExportKind(async () => rows()) },
  });
  const queue = createInProcessExportQueue(worker, { maxReceives: 2, visibilityTimeoutMs: 10 });
  const exports: ExportServices = { queue, store, waitMs: 0, linkTtlSeconds: 60, kinds: EXPORT_KINDS, maxReceives: 2 };
  return { ws: await createTestWorkspace(t.db, { exports }), queue };
}

async function createV1Chat(ws: TestWorkspace, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return ws.request('/api/v1/chats', { method: 'POST', body: { channelId: ws.channels.sms.id, ownerId: ws.contact.identityId, title: 'Events', ...body }, headers });
}

describe('events recorded by the API', () => {
  it('chat.created and chat.removed: v1 POST and DELETE, once each', async () => {
    const ws = await createTestWorkspace(t.db);
    const { cursor } = await readAll(ws);
    const res = await createV1Chat(ws);
    expect(res.status).toBe(200);
    const chat = await res.json();
    expect((await ws.request(`/api/v1/chats/${chat.id}`, { method: 'DELETE' })).status).toBe(200);
    // Removing it again changes nothing and records nothing.
    expect((await ws.request(`/api/v1/chats/${chat.id}`, { method: 'DELETE' })).status).toBe(200);
    const { events } = await since(ws, cursor);
    expect(types(events)).toEqual(['chat.created', 'chat.removed']);
    const [created, removed] = events;
    expect(created).toMatchObject({ resourceId: chat.id, schemaVersion: 1, data: { chat: { id: chat.id, number: expect.any(Number) }, title: 'Events', channel: ws.channels.sms.id, ownerId: ws.contact.identityId } });
    expect(removed).toMatchObject({ resourceId: chat.id, data: { chat: created!.data.chat } });
    // The removed chat's events stay readable, by number too: the v2 chat is gone from the lists.
    expect((await ws.request(`/api/v2/w/${ws.workspace.id}/chats/${created!.data.chat.number}`)).status).toBe(404);
  });

  it('chat.updated: a v1 PATCH of the title', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await (await createV1Chat(ws)).json();
    const { cursor } = await readAll(ws);
    expect((await ws.request(`/api/v1/chats/${chat.id}`, { method: 'PATCH', body: { title: 'Renamed' } })).status).toBe(200);
    expect((await ws.request(`/api/v1/chats/${chat.id}`, { method: 'PATCH', body: { title: 'Renamed' } })).status).toBe(200);
    const { events } = await since(ws, cursor);
    expect(events.map((e) => [e.type, e.data.changes])).toEqual([['chat.updated', { title: 'Renamed' }]]);
  });

  it('message.created for incoming messages, with chat.needs_response set by a user message and cleared by an assistant one', async () => {
    const ws = await createTestWorkspace(t.db);
    const { cursor: start } = await readAll(ws);
    await createV1Chat(ws);
    const { events: [created], cursor } = await since(ws, start);
    const number = created!.data.chat.number;
    const messages = `/api/v2/w/${ws.workspace.id}/chats/${number}/messages`;
    const user = await ws.request(messages, { method: 'POST', body: { role: 'user', content: 'Where is my order?' } });
    expect(user.status, await user.clone().text()).toBe(201);
    const userMessage = await user.json();
    expect((await ws.request(messages, { method: 'POST', body: { role: 'user', content: 'Hello?' } })).status).toBe(201);
    expect((await ws.request(messages, { method: 'POST', body: { role: 'note', content: 'Checking' } })).status).toBe(201);
    expect((await ws.request(messages, { method: 'POST', body: { role: 'assistant', content: 'On its way' } })).status).toBe(201);
    const { events } = await since(ws, cursor);
    expect(types(events)).toEqual([
      'message.created', 'chat.updated', 'chat.needs_response',
      'message.created',
      'message.created',
      'message.created', 'chat.updated', 'chat.needs_response',
    ]);
    expect(events[0]).toMatchObject({
      resourceId: userMessage.uuid,
      data: { chat: created!.data.chat, message: { id: userMessage.uuid, number: userMessage.id, role: 'user', content: 'Where is my order?', authorId: ws.contact.identityId, createdAt: userMessage.timestamp } },
    });
    expect(events.filter((e) => e.type === 'chat.needs_response').map((e) => e.data.needsResponse)).toEqual([true, false]);
    expect(events.filter((e) => e.type === 'message.created').map((e) => e.data.message.role)).toEqual(['user', 'user', 'note', 'assistant']);
  });

  it('message.created and message.delivery_updated for an assistant message sent over SMS', async () => {
    const ws = await createTestWorkspace(t.db);
    const { cursor: start } = await readAll(ws);
    await createV1Chat(ws);
    const { events: [created] } = await since(ws, start);
    const chatPath = `/api/v2/w/${ws.workspace.id}/chats/${created!.data.chat.number}`;
    expect((await ws.request(`${chatPath}/messages`, { method: 'POST', body: { role: 'user', content: 'Hi' } })).status).toBe(201);
    const { cursor } = await readAll(ws);
    const res = await ws.request(`${chatPath}/send-assistant-message`, { method: 'POST', body: { message: 'Hello from the assistant' } });
    expect(res.status, await res.clone().text()).toBe(200);
    const sent = await res.json();
    const { events } = await since(ws, cursor);
    expect(types(events)).toEqual(['message.created', 'chat.updated', 'chat.needs_response', 'message.delivery_updated']);
    expect(events[0]).toMatchObject({ resourceId: sent.message.uuid, data: { message: { id: sent.message.uuid, role: 'assistant', content: 'Hello from the assistant', deliveryStatus: 'pending' } } });
    expect(events[3]).toMatchObject({ resourceId: sent.message.uuid, data: { chat: created!.data.chat, message: { id: sent.message.uuid }, channel: 'sms', provider: 'outbox', status: 'queued', error: null } });
  });

  it('summary.updated (and chat.updated with what changed) for a summary', async () => {
    const ws = await createTestWorkspace(t.db);
    const { cursor: start } = await readAll(ws);
    await createV1Chat(ws, { title: null });
    const { events: [created] } = await since(ws, start);
    const chatPath = `/api/v2/w/${ws.workspace.id}/chats/${created!.data.chat.number}`;
    await ws.request(`${chatPath}/messages`, { method: 'POST', body: { role: 'user', content: 'My parcel to Berlin never arrived. Can you check the tracking?' } });
    const { cursor } = await readAll(ws);
    const res = await ws.request(`${chatPath}/summarize`, { method: 'POST', body: {} });
    expect(res.status, await res.clone().text()).toBe(200);
    const chat = await res.json();
    const { events } = await since(ws, cursor);
    expect(types(events)).toEqual(['chat.updated', 'summary.updated']);
    expect(Object.keys(events[0]!.data.changes).sort()).toEqual(['summary', 'title']);
    expect(events[1]).toMatchObject({ resourceId: created!.data.chat.id, data: { chat: created!.data.chat, summary: chat.summary, title: chat.title, labels: [] } });
  });

  it('export.completed for chats and statistics exports, visible to those who may read the export', async () => {
    const { ws, queue } = await workspaceWithExports();
    const { cursor } = await readAll(ws);
    const chats = await ws.request(`/api/v2/w/${ws.workspace.id}/chats/export`);
    expect(chats.status, await chats.clone().text()).toBe(202);
    const chatsExport = (await chats.json()).exportId;
    const stats = await ws.request(`/v1/chatbots/${ws.agent.identityId}/statistics/export?from=2026-05-01T00:00:00Z&to=2026-05-02T00:00:00Z`, { method: 'POST' });
    expect(stats.status, await stats.clone().text()).toBe(202);
    const statsExport = (await stats.json()).exportId;
    await queue.drain();
    // The two jobs run concurrently on Postgres: their events come in the order the jobs finished.
    const events = (await since(ws, cursor)).events.sort((a, b) => (a.resourceId === chatsExport ? -1 : b.resourceId === chatsExport ? 1 : 0));
    expect(events.map((e) => [e.type, e.resourceId])).toEqual([
      ['export.completed', chatsExport],
      ['export.completed', statsExport],
    ]);
    expect(events[0]!.data.export).toEqual({
      id: chatsExport, kind: 'workspace-chats', status: 'completed', rowCount: 0, byteCount: expect.any(Number), error: null,
      statusPath: `/api/v2/w/${ws.workspace.id}/chats/exports/${chatsExport}`,
    });
    expect(events[1]!.data.export).toMatchObject({ id: statsExport, kind: 'statistics', rowCount: 1, statusPath: `/v1/chatbots/${ws.agent.identityId}/statistics/export/${statsExport}` });
    // The status path answers the job.
    expect((await (await ws.request(events[0]!.data.export.statusPath)).json()).status).toBe('completed');
    expect((await (await ws.request(events[1]!.data.export.statusPath)).json()).status).toBe('completed');
    // A chats:read key sees the chats export's event; a statistics export's needs statistics:export, as its status does.
    expect((await since(ws, cursor, ws.keys.read)).events.map((e) => e.resourceId)).toEqual([chatsExport]);
    // Another member sees neither: they are the admin's exports.
    const memberKey = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes: ['chats:read', 'statistics:export'] })).token;
    expect((await since(ws, cursor, memberKey)).events).toEqual([]);
  });

  it('export.failed when the worker gives up on a job, and when a job cannot be queued', async () => {
    const { ws, queue } = await workspaceWithExports(async () => {
      throw new Error('no rollups');
    });
    const { cursor } = await readAll(ws);
    const stats = await ws.request(`/v1/chatbots/${ws.agent.identityId}/statistics/export?from=2026-06-01T00:00:00Z&to=2026-06-02T00:00:00Z`, { method: 'POST' });
    const { exportId } = await stats.json();
    await queue.drain();
    const failedRun = (await since(ws, cursor)).events;
    // One event for the job, recorded by its last run only (the first was retried).
    expect(failedRun.map((e) => [e.type, e.resourceId])).toEqual([['export.failed', exportId]]);
    expect(failedRun[0]!.data.export).toMatchObject({ kind: 'statistics', status: 'failed', error: "Attempt 2 failed: the export's rows could not be read" });

    const broken: ExportQueue = { send: async () => Promise.reject(new Error('queue down')) };
    const other = await createTestWorkspace(t.db, { exports: { queue: broken, store, waitMs: 0, linkTtlSeconds: 60, kinds: EXPORT_KINDS, maxReceives: 2 } });
    const { cursor: start } = await readAll(other);
    expect((await other.request(`/api/v2/w/${other.workspace.id}/chats/export`)).status).toBe(500);
    const unqueued = (await since(other, start)).events;
    expect(unqueued.map((e) => [e.type, e.data.export.kind, e.data.export.error])).toEqual([['export.failed', 'workspace-chats', 'The export could not be queued']]);
  });

  it('participant.added and participant.removed', async () => {
    const ws = await createTestWorkspace(t.db);
    const { cursor: start } = await readAll(ws);
    await createV1Chat(ws);
    const { events: [created], cursor } = await since(ws, start);
    const participants = `/api/v2/w/${ws.workspace.id}/chats/${created!.data.chat.number}/participants`;
    const added = await ws.request(participants, { method: 'POST', body: { memberId: ws.member.id } });
    expect(added.status, await added.clone().text()).toBe(200);
    const { participantId } = await added.json();
    expect((await ws.request(`${participants}/${participantId}`, { method: 'DELETE' })).status).toBe(200);
    expect(types((await since(ws, cursor)).events)).toEqual(['participant.added', 'participant.removed']);
  });
});

describe('a change that rolls back', () => {
  it('leaves neither the change nor its event', async () => {
    const ws = await createTestWorkspace(t.db);
    const { cursor: start } = await readAll(ws);
    await createV1Chat(ws);
    const { events: [created], cursor } = await since(ws, start);
    const chatNumber = created!.data.chat.number;
    const messages = `/api/v2/w/${ws.workspace.id}/chats/${chatNumber}/messages`;

    // The message is written, then its event, then the outcome fails: all of it rolls back.
    const failed = await ws.request(messages, { method: 'POST', body: { role: 'user', content: 'Lost' }, headers: { 'idempotency-key': `${FAILING_KEY}message` } });
    expect(failed.status).toBe(500);
    const chatCreate = await createV1Chat(ws, { title: 'Never made' }, { 'idempotency-key': `${FAILING_KEY}chat` });
    expect(chatCreate.status).toBe(500);
    expect((await since(ws, cursor)).events).toEqual([]);
    expect((await (await ws.request(`${messages}?limit=10`)).json()).messages).toEqual([]);
    expect((await t.db.selectFrom('chats').select('title').where('workspace_id', '=', ws.workspace.id).execute()).map((c) => c.title)).toEqual(['Events']);

    // The same change committed has its event.
    expect((await ws.request(messages, { method: 'POST', body: { role: 'user', content: 'Kept' }, headers: { 'idempotency-key': 'event-sources-ok' } })).status).toBe(201);
    expect(types((await since(ws, cursor)).events)).toEqual(['message.created', 'chat.updated', 'chat.needs_response']);
  });

  it('records no event for a refused change (4xx inside the transaction)', async () => {
    const ws = await createTestWorkspace(t.db);
    const { cursor: start } = await readAll(ws);
    await createV1Chat(ws);
    const { events: [created], cursor } = await since(ws, start);
    const chatPath = `/api/v2/w/${ws.workspace.id}/chats/${created!.data.chat.number}`;
    // An unknown label is found under the chat's lock, inside the change's transaction.
    const res = await ws.request(chatPath, { method: 'PATCH', body: { title: 'Changed', labels: ['no-such-label'] } });
    expect(res.status).toBe(400);
    // A chat on a channel that cannot deliver: refused before anything is written.
    const widget = await (await createV1Chat(ws, { channelId: ws.channels.widget.id })).json();
    const { cursor: after } = await readAll(ws);
    const widgetChat = (await since(ws, cursor)).events.find((e) => e.resourceId === widget.id)!.data.chat.number;
    expect((await ws.request(`/api/v2/w/${ws.workspace.id}/chats/${widgetChat}/send-assistant-message`, { method: 'POST', body: { message: 'x' } })).status).toBe(400);
    expect((await since(ws, after)).events).toEqual([]);
  });
});
