import { createApiKey, type Scope } from '@parley/core';
import { insertChat, insertLabel, insertParticipant, insertUser } from '@parley/db';
import { describe, expect, it } from 'vitest';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// One v2 chat: GET, PUT (every writable field, each required) and PATCH (some fields), with the
// assignment rule of the policy, label definitions, If-Match and the error shape.

const t = useTestDb();

async function setup() {
  const ws = await createTestWorkspace(t.db);
  const chat = await insertChat(t.db, {
    workspaceId: ws.workspace.id, channelId: ws.channels.sms.id, ownerId: ws.contact.identityId, responderId: ws.agent.identityId,
    currentResponderId: ws.agent.identityId, responderVersionId: null, title: 'Parcel late',
  });
  for (const name of ['billing', 'shipping', 'vip']) await insertLabel(t.db, { workspaceId: ws.workspace.id, name });
  const path = `/api/v2/w/${ws.workspace.id}/chats/${chat.number}`;
  const key = async (scopes: Scope[], memberId = ws.member.id) => (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId, scopes })).token;
  return { ws, chat, path, key };
}

const FULL = { title: 'Refund', summary: 'The customer wants a refund.', labels: ['billing', 'SHIPPING'], archived: false, paused: true, muted: false, needsResponse: true, state: 'SNOOZED', assignedMemberId: null };

async function errorOf(res: { json(): Promise<any> }) {
  return (await res.json()).error as { code: string; message: string; issues?: Array<{ path: string; message: string }> };
}

describe('GET /api/v2/w/{workspace_uuid}/chats/{chat_id}', () => {
  it('returns the chat as the list shows it, with its ETag', async () => {
    const { ws, chat, path } = await setup();
    await insertParticipant(t.db, { chatId: chat.id, memberId: ws.member.id, role: 'observer' });
    const res = await ws.request(path);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      id: chat.number, uuid: chat.id, title: 'Parcel late', summary: null, summary_updated_at: null, channel: 'sms', state: 'OPEN', labels: [],
      participants: [{ memberId: ws.member.id, role: 'observer' }], assignedMemberId: null, archived: false, paused: false, muted: false, needsResponse: false,
    });
    const listed = (await (await ws.request(`/api/v2/w/${ws.workspace.id}/chats`)).json()).chats[0];
    expect(body).toEqual(listed);
    expect(res.headers.get('etag')).toMatch(/^W\/"/);
    expect((await ws.request(path, { headers: { 'if-none-match': res.headers.get('etag')! } })).status).toBe(304);
  });

  it('answers 404 outside the reach, in another workspace and for removed chats; 400 for a bad id', async () => {
    const { ws, chat, path, key } = await setup();
    const other = await createTestWorkspace(t.db);
    expect((await ws.request(path, { key: await key(['chats:read']) })).status).toBe(404);
    expect((await other.request(path)).status).toBe(404);
    expect((await other.request(`/api/v2/w/${other.workspace.id}/chats/${chat.number}`)).status).toBe(404);
    await ws.request(`/api/v1/chats/${chat.id}`, { method: 'DELETE' });
    expect((await ws.request(path)).status).toBe(404);
    const bad = await ws.request(`/api/v2/w/${ws.workspace.id}/chats/abc`);
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).issues?.[0]?.path).toBe('path.chat_id');
  });
});

describe('PUT /api/v2/w/{workspace_uuid}/chats/{chat_id}', () => {
  it('replaces every writable field and returns the chat with its new ETag', async () => {
    const { ws, path } = await setup();
    const res = await ws.request(path, { method: 'PUT', body: { ...FULL, assignedMemberId: ws.member.id } });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ title: 'Refund', summary: 'The customer wants a refund.', labels: ['billing', 'shipping'], paused: true, needsResponse: true, state: 'SNOOZED', assignedMemberId: ws.member.id });
    expect(Date.parse(body.summary_updated_at)).toBeGreaterThan(Date.now() - 60_000);
    const read = await ws.request(path);
    expect(await read.json()).toEqual(body);
    expect(read.headers.get('etag')).toBe(res.headers.get('etag'));
    // The same summary again keeps its time; another one moves it; clearing it clears it.
    const again = await (await ws.request(path, { method: 'PUT', body: { ...FULL, labels: [], assignedMemberId: null } })).json();
    expect(again.summary_updated_at).toBe(body.summary_updated_at);
    expect(again).toMatchObject({ labels: [], assignedMemberId: null });
    const cleared = await (await ws.request(path, { method: 'PUT', body: { ...FULL, summary: null } })).json();
    expect(cleared).toMatchObject({ summary: null, summary_updated_at: null, summaryUpdatedAt: null });
  });

  it('requires every field: a missing one is a 400 and nothing changes', async () => {
    const { ws, path } = await setup();
    const { state: _state, ...partial } = FULL;
    const res = await ws.request(path, { method: 'PUT', body: partial });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).issues).toEqual([{ path: 'body.state', message: expect.any(String) }]);
    expect((await (await ws.request(path)).json()).title).toBe('Parcel late');
  });
});

describe('PATCH /api/v2/w/{workspace_uuid}/chats/{chat_id}', () => {
  it('changes only the named fields; null clears title, summary and the assignee', async () => {
    const { ws, path } = await setup();
    await ws.request(path, { method: 'PUT', body: { ...FULL, assignedMemberId: ws.admin.id } });
    const res = await ws.request(path, { method: 'PATCH', body: { archived: true, title: null, assignedMemberId: null } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ archived: true, title: null, assignedMemberId: null, summary: 'The customer wants a refund.', labels: ['billing', 'shipping'], paused: true, state: 'SNOOZED' });
    expect((await (await ws.request(path, { method: 'PATCH', body: { labels: ['VIP', 'vip'] } })).json()).labels).toEqual(['vip']);
    // The flags feed the list's filters and needs-response.
    await ws.request(path, { method: 'PATCH', body: { archived: false, needsResponse: true, muted: false } });
    expect(await (await ws.request(`/api/v2/w/${ws.workspace.id}/chats/needs-response`)).json()).toEqual([body.id]);
  });

  it('records chat.updated with the fields that changed (nothing for no change), and chat.needs_response when that flag flips', async () => {
    const { ws, chat, path } = await setup();
    await ws.request(path, { method: 'PATCH', body: { title: 'Parcel late', muted: false } });
    await ws.request(path, { method: 'PATCH', body: { title: 'Parcel lost', labels: ['vip'], needsResponse: true } });
    const feed = await (await ws.request(`/api/v2/w/${ws.workspace.id}/events?types=chat.updated,chat.needs_response`)).json();
    expect(feed.events.map((e: { type: string; data: unknown }) => [e.type, e.data])).toEqual([
      ['chat.updated', { chat: { id: chat.id, number: chat.number }, changes: { title: 'Parcel lost', labels: ['vip'], needsResponse: true } }],
      ['chat.needs_response', { chat: { id: chat.id, number: chat.number }, needsResponse: true }],
    ]);
  });

  it('answers 400 with the path of every bad field, and for an empty body', async () => {
    const { ws, path } = await setup();
    const cases: Array<[unknown, string]> = [
      [{}, 'body'],
      [{ state: 'DONE' }, 'body.state'],
      [{ archived: 'yes' }, 'body.archived'],
      [{ labels: 'billing' }, 'body.labels'],
      [{ labels: ['billing', 'nope'] }, 'body.labels.1'],
      [{ labels: [''] }, 'body.labels.0'],
      [{ title: 'x'.repeat(501) }, 'body.title'],
      [{ assignedMemberId: 1.5 }, 'body.assignedMemberId'],
      [{ assignedMemberId: 0 }, 'body.assignedMemberId'],
      [{ id: 5 }, 'body.id'],
      [{ summaryUpdatedAt: null }, 'body.summaryUpdatedAt'],
    ];
    for (const [body, at] of cases) {
      const res = await ws.request(path, { method: 'PATCH', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(res)).issues?.map((i) => i.path), JSON.stringify(body)).toContain(at);
    }
    const assistant = await ws.request(path, { method: 'PATCH', body: { assignedMemberId: ws.agent.memberId } });
    expect(assistant.status).toBe(400);
    const unknown = await ws.request(path, { method: 'PATCH', body: { assignedMemberId: 2_000_000_000 } });
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).issues?.[0]?.path).toBe('body.assignedMemberId');
    const foreign = await createTestWorkspace(t.db);
    expect((await ws.request(path, { method: 'PATCH', body: { assignedMemberId: foreign.member.id } })).status).toBe(404);
    expect((await (await ws.request(path)).json()).title).toBe('Parcel late');
  });

  it('makes the change only while If-Match names the chat as it is (412 otherwise)', async () => {
    const { ws, path } = await setup();
    const etag = (await ws.request(path)).headers.get('etag')!;
    const first = await ws.request(path, { method: 'PATCH', body: { muted: true }, headers: { 'if-match': etag } });
    expect(first.status).toBe(200);
    const stale = await ws.request(path, { method: 'PATCH', body: { muted: false }, headers: { 'if-match': etag } });
    expect(stale.status).toBe(412);
    expect(await errorOf(stale)).toMatchObject({ code: 'precondition_failed', issues: [{ path: 'header.if-match' }] });
    expect((await (await ws.request(path)).json()).muted).toBe(true);
    const fresh = first.headers.get('etag')!;
    expect((await ws.request(path, { method: 'PUT', body: FULL, headers: { 'if-match': fresh } })).status).toBe(200);
    expect((await ws.request(path, { method: 'PATCH', body: { muted: false }, headers: { 'if-match': '*' } })).status).toBe(200);
  });
});

describe('who may change a chat', () => {
  it("lets a member change a chat of their own with chats:write, and no one change it with chats:read alone", async () => {
    const { ws, chat, path, key } = await setup();
    await insertParticipant(t.db, { chatId: chat.id, memberId: ws.member.id });
    const read = await ws.request(path, { method: 'PATCH', body: { muted: true }, key: await key(['chats:read']) });
    expect(read.status).toBe(403);
    expect((await errorOf(read)).message).toContain('chats:write');
    expect((await ws.request(path, { method: 'PATCH', body: { muted: true }, key: ws.keys.read })).status).toBe(403);
    const write = await ws.request(path, { method: 'PATCH', body: { muted: true }, key: await key(['chats:write']) });
    expect(write.status).toBe(200);
    // Another member's chat (one they do not reach) is a 404 without full reach.
    const mine = await insertChat(t.db, {
      workspaceId: ws.workspace.id, channelId: null, ownerId: ws.admin.identityId, responderId: ws.agent.identityId, currentResponderId: null, responderVersionId: null, title: 'Admin’s',
    });
    const others = `/api/v2/w/${ws.workspace.id}/chats/${mine.number}`;
    expect((await ws.request(others, { method: 'PATCH', body: { muted: true }, key: await key(['chats:write']) })).status).toBe(404);
    expect((await ws.request(others, { method: 'PATCH', body: { muted: true }, key: ws.keys.write })).status).toBe(200);
  });

  it('lets a member without full reach take a chat or give up their own, but not assign it to others or take it from them', async () => {
    const { ws, chat, path, key } = await setup();
    await insertParticipant(t.db, { chatId: chat.id, memberId: ws.member.id });
    const colleague = await insertUser(t.db, { workspaceId: ws.workspace.id, name: 'Cole League' });
    const member = await key(['chats:write']);
    const assign = (to: number | null, k = member) => ws.request(path, { method: 'PATCH', body: { assignedMemberId: to }, key: k });

    const toOther = await assign(colleague.id);
    expect(toOther.status).toBe(403);
    expect(await errorOf(toOther)).toMatchObject({ code: 'forbidden', issues: [{ path: 'body.assignedMemberId' }] });
    expect((await assign(ws.member.id)).status).toBe(200);
    expect((await assign(null)).status).toBe(200);
    // An admin assigns it to a colleague: the member may neither take it nor clear it now.
    expect((await assign(colleague.id, ws.keys.write)).status).toBe(200);
    expect((await assign(ws.member.id)).status).toBe(403);
    expect((await assign(null)).status).toBe(403);
    // Unchanged is no change: a PUT that keeps the assignee is the member's to make.
    expect((await ws.request(path, { method: 'PUT', body: { ...FULL, assignedMemberId: colleague.id }, key: member })).status).toBe(200);
    // A chats:admin key of the member has full reach.
    expect((await assign(ws.member.id, await key(['chats:admin']))).status).toBe(200);
    expect((await (await ws.request(path)).json()).assignedMemberId).toBe(ws.member.id);
  });
});
