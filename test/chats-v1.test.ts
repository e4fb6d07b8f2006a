import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openTicketForChat } from '@parley/db';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

const t = useTestDb();

async function createChat(ws: TestWorkspace, body: { channelId: string | null; ownerId: string; title: string | null }) {
  const res = await ws.request('/api/v1/chats', { method: 'POST', body });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

describe('POST /api/v1/chats', () => {
  it('creates a chat on a channel, answered by the channel responder at its current version', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await createChat(ws, { channelId: ws.channels.whatsapp.id, ownerId: ws.contact.identityId, title: 'Hello' });
    expect(chat).toMatchObject({
      channelId: ws.channels.whatsapp.id,
      ownerId: ws.contact.identityId,
      responderId: ws.agent.identityId,
      currentResponderId: ws.agent.identityId,
      title: 'Hello',
      isRemoved: false,
      lastChatMessageCreatedAt: null,
      workspaceId: ws.workspace.id,
    });
    expect(chat.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(chat.createdAt).toISOString()).toBe(chat.createdAt);

    const details = await (await ws.request(`/api/v1/chats/${chat.id}/details`)).json();
    expect(details.responderVersionId).toBe(ws.agent.v2.id);
    expect(details.responderVersionNumber).toBe(2);
  });

  it('assigns a squad responder with no current responder, and the default responder without a channel', async () => {
    const ws = await createTestWorkspace(t.db);
    const onSquad = await createChat(ws, { channelId: ws.channels.widget.id, ownerId: ws.member.identityId, title: null });
    expect(onSquad).toMatchObject({ responderId: ws.squad.identityId, currentResponderId: null, title: null });
    const noChannel = await createChat(ws, { channelId: null, ownerId: ws.contact.identityId, title: 'x' });
    expect(noChannel).toMatchObject({ channelId: null, responderId: ws.agent.identityId });
  });

  it("answers 404 for another workspace's owner or channel, and 400 for an agent as owner", async () => {
    const ws = await createTestWorkspace(t.db);
    const other = await createTestWorkspace(t.db);
    const foreignOwner = await ws.request('/api/v1/chats', { method: 'POST', body: { channelId: null, ownerId: other.contact.identityId, title: null } });
    expect(foreignOwner.status).toBe(404);
    expect((await foreignOwner.json()).error.code).toBe('not_found');
    const foreignChannel = await ws.request('/api/v1/chats', { method: 'POST', body: { channelId: other.channels.api.id, ownerId: ws.contact.identityId, title: null } });
    expect(foreignChannel.status).toBe(404);
    const agentOwner = await ws.request('/api/v1/chats', { method: 'POST', body: { channelId: null, ownerId: ws.agent.identityId, title: null } });
    expect(agentOwner.status).toBe(400);
    expect((await agentOwner.json()).error.issues[0].path).toBe('body.ownerId');
  });

  it('rejects unknown fields, missing fields, bad uuids and malformed JSON with 400 and keeps nothing', async () => {
    const ws = await createTestWorkspace(t.db);
    const cases: Array<[unknown, string]> = [
      [{ channelId: null, ownerId: ws.contact.identityId, title: null, color: 'red' }, 'body.color'],
      [{ channelId: null, title: null }, 'body.ownerId'],
      [{ channelId: 'nope', ownerId: ws.contact.identityId, title: null }, 'body.channelId'],
      [{ channelId: null, ownerId: ws.contact.identityId, title: 'x'.repeat(501) }, 'body.title'],
    ];
    for (const [body, path] of cases) {
      const res = await ws.request('/api/v1/chats', { method: 'POST', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const { error } = await res.json();
      expect(error.code).toBe('validation_failed');
      expect(error.issues.map((i: { path: string }) => i.path)).toContain(path);
      expect(error.requestId).toBeTruthy();
    }
    const malformed = await ws.request('/api/v1/chats', { method: 'POST', body: '{"ownerId":' });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe('bad_request');
    const list = await (await ws.request('/api/v1/chats')).json();
    expect(list).toEqual([]);
  });

  it('needs chats:write', async () => {
    const ws = await createTestWorkspace(t.db);
    const res = await ws.request('/api/v1/chats', { method: 'POST', key: ws.keys.read, body: { channelId: null, ownerId: ws.contact.identityId, title: null } });
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe('forbidden');
  });
});

describe('GET, PATCH, DELETE /api/v1/chats/{id}', () => {
  it('reads, updates and soft-removes a chat', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await createChat(ws, { channelId: ws.channels.api.id, ownerId: ws.contact.identityId, title: 'Before' });
    expect(await (await ws.request(`/api/v1/chats/${chat.id}`, { key: ws.keys.read })).json()).toEqual(chat);

    const patched = await ws.request(`/api/v1/chats/${chat.id}`, {
      method: 'PATCH',
      body: { title: 'After', lastChatMessageCreatedAt: '2025-03-01T10:00:00+01:00' },
    });
    expect(patched.status).toBe(200);
    const updated = await patched.json();
    expect(updated).toMatchObject({ title: 'After', lastChatMessageCreatedAt: '2025-03-01T09:00:00.000Z' });
    expect(new Date(updated.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(chat.updatedAt).getTime());

    const cleared = await (await ws.request(`/api/v1/chats/${chat.id}`, { method: 'PATCH', body: { title: null } })).json();
    expect(cleared).toMatchObject({ title: null, lastChatMessageCreatedAt: '2025-03-01T09:00:00.000Z' });

    const removed = await ws.request(`/api/v1/chats/${chat.id}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({ message: 'Chat removed' });
    expect((await (await ws.request(`/api/v1/chats/${chat.id}`)).json()).isRemoved).toBe(true);
    expect(await (await ws.request('/api/v1/chats')).json()).toEqual([]);
    expect(await (await ws.request('/api/v1/chats/details')).json()).toEqual([]);
    expect((await ws.request(`/api/v1/chats/${chat.id}`, { method: 'PATCH', body: { title: 'again' } })).status).toBe(409);
    expect((await ws.request(`/api/v1/chats/${chat.id}`, { method: 'DELETE' })).status).toBe(200);
  });

  it('says "Chat removed" to exactly one of many parallel DELETEs of a chat', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await createChat(ws, { channelId: ws.channels.api.id, ownerId: ws.contact.identityId, title: 'Raced' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => ws.request(`/api/v1/chats/${chat.id}`, { method: 'DELETE' })));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    const messages = await Promise.all(answers.map(async (r) => ((await r.json()) as { message: string }).message));
    expect(messages.filter((m) => m === 'Chat removed')).toHaveLength(1);
    expect(messages.filter((m) => m === 'Chat was already removed')).toHaveLength(19);
  });

  it('rejects an empty or invalid PATCH body', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await createChat(ws, { channelId: null, ownerId: ws.contact.identityId, title: 'x' });
    for (const body of [{}, { title: 5 }, { lastChatMessageCreatedAt: '2025-03-01T10:00:00' }, { isRemoved: true }]) {
      const res = await ws.request(`/api/v1/chats/${chat.id}`, { method: 'PATCH', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await (await ws.request(`/api/v1/chats/${chat.id}`)).json()).title).toBe('x');
  });

  it("answers 404 for unknown ids and for another workspace's chats, 400 for a malformed id", async () => {
    const ws = await createTestWorkspace(t.db);
    const other = await createTestWorkspace(t.db);
    const foreign = await createChat(other, { channelId: null, ownerId: other.contact.identityId, title: 'secret' });
    for (const path of [`/api/v1/chats/${foreign.id}`, `/api/v1/chats/${foreign.id}/details`, `/api/v1/chats/${randomUUID()}`]) {
      const res = await ws.request(path);
      expect(res.status, path).toBe(404);
      expect(JSON.stringify(await res.json())).not.toContain('secret');
    }
    expect((await ws.request(`/api/v1/chats/${foreign.id}`, { method: 'PATCH', body: { title: 'mine' } })).status).toBe(404);
    expect((await ws.request(`/api/v1/chats/${foreign.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await (await other.request(`/api/v1/chats/${foreign.id}`)).json()).title).toBe('secret');
    const bad = await ws.request('/api/v1/chats/not-a-uuid');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.issues[0].path).toBe('path.id');
  });
});

describe('GET /api/v1/chats', () => {
  it('pages newest first with pageNumber and pageSize, and says when more exist', async () => {
    const ws = await createTestWorkspace(t.db);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createChat(ws, { channelId: ws.channels.api.id, ownerId: ws.contact.identityId, title: `c${i}` })).id);
    const first = await ws.request('/api/v1/chats?pageSize=2');
    expect(first.headers.get('x-has-more')).toBe('true');
    expect(first.headers.get('link')).toContain('pageNumber=2');
    const page1 = await first.json();
    expect(page1.map((c: { title: string }) => c.title)).toEqual(['c4', 'c3']);
    const last = await ws.request('/api/v1/chats?pageSize=2&pageNumber=3');
    expect(last.headers.get('x-has-more')).toBe('false');
    expect((await last.json()).map((c: { title: string }) => c.title)).toEqual(['c0']);
    expect(await (await ws.request('/api/v1/chats?pageNumber=9')).json()).toEqual([]);
    expect((await (await ws.request('/api/v1/chats')).json()).length).toBe(5);
  });

  it('validates pageNumber and pageSize', async () => {
    const ws = await createTestWorkspace(t.db);
    for (const q of ['pageNumber=0', 'pageSize=0', 'pageSize=101', 'pageSize=abc', 'pageNumber=1.5']) {
      const res = await ws.request(`/api/v1/chats?${q}`);
      expect(res.status, q).toBe(400);
      expect((await res.json()).error.code).toBe('validation_failed');
    }
  });

  it('filters by channel, owner, responder, version, channel type, search and last-message range', async () => {
    const ws = await createTestWorkspace(t.db);
    const onWhatsapp = await createChat(ws, { channelId: ws.channels.whatsapp.id, ownerId: ws.contact.identityId, title: 'Refund please' });
    const onApi = await createChat(ws, { channelId: ws.channels.api.id, ownerId: ws.blockedContact.identityId, title: 'Opening hours' });
    const onSms = await createChat(ws, { channelId: ws.channels.sms.id, ownerId: ws.contact.identityId, title: 'Sms chat' });
    const noChannel = await createChat(ws, { channelId: null, ownerId: ws.member.identityId, title: 'Direct' });
    await ws.appendMessages(onApi.id, [{ role: 'user', content: 'Is the shop open on 100% of Sundays?', createdAt: new Date('2025-05-01T10:00:00Z') }]);
    await ws.appendMessages(onWhatsapp.id, [{ role: 'user', content: 'I want my money back', createdAt: new Date('2025-06-01T10:00:00Z') }]);

    const titles = async (query: string) =>
      ((await (await ws.request(`/api/v1/chats?${query}`)).json()) as Array<{ title: string }>).map((c) => c.title).sort();

    // Default channel types leave out sms; chats without a channel count as api.
    expect(await titles('')).toEqual(['Direct', 'Opening hours', 'Refund please']);
    expect(await titles('channelTypes=sms')).toEqual(['Sms chat']);
    expect(await titles('channelTypes=sms&channelTypes=whatsapp')).toEqual(['Refund please', 'Sms chat']);
    expect(await titles(`channelIds=${ws.channels.whatsapp.id}&channelIds=${ws.channels.api.id}`)).toEqual(['Opening hours', 'Refund please']);
    expect(await titles(`ownerIds=${ws.contact.identityId}`)).toEqual(['Refund please']);
    expect(await titles(`ownerIds=${ws.contact.identityId}&channelTypes=sms&channelTypes=whatsapp`)).toEqual(['Refund please', 'Sms chat']);
    expect(await titles(`responderIds=${ws.otherAgent.identityId}`)).toEqual(['Opening hours']);
    expect(await titles(`responderVersionIds=${ws.agent.v2.id}`)).toEqual(['Direct', 'Refund please']);
    expect(await titles('search=REFUND')).toEqual(['Refund please']);
    expect(await titles('search=money')).toEqual(['Refund please']);
    expect(await titles('search=100%25')).toEqual(['Opening hours']);
    expect(await titles('search=%25')).toEqual(['Opening hours']);
    expect(await titles('lastChatMessageCreatedAtStart=2025-05-15T00:00:00Z')).toEqual(['Refund please']);
    expect(await titles('lastChatMessageCreatedAtEnd=2025-05-15T00:00:00%2B02:00')).toEqual(['Opening hours']);
    expect(await titles('lastChatMessageCreatedAtStart=2025-01-01T00:00:00Z&lastChatMessageCreatedAtEnd=2025-12-31T00:00:00Z')).toEqual(['Opening hours', 'Refund please']);
    expect(onSms.id).toBeTruthy();
    expect(noChannel.channelId).toBeNull();

    for (const q of ['channelTypes=fax', 'ownerIds=123', 'lastChatMessageCreatedAtStart=yesterday', 'lastChatMessageCreatedAtStart=2025-05-15T00:00:00', 'unknown=1']) {
      expect((await ws.request(`/api/v1/chats?${q}`)).status, q).toBe(400);
    }
  });
});

describe('GET /api/v1/chats/details and /api/v1/chats/{id}/details', () => {
  it('carries channel, last and penultimate messages, owner, responder and ticket', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await createChat(ws, { channelId: ws.channels.whatsapp.id, ownerId: ws.blockedContact.identityId, title: 'Order' });
    await ws.appendMessages(chat.id, [
      { role: 'user', content: 'first', createdAt: new Date('2025-01-01T10:00:00Z') },
      { role: 'assistant', content: 'second', createdAt: new Date('2025-01-01T10:01:00Z') },
      { role: 'user', content: 'third', createdAt: new Date('2025-01-01T10:02:00Z') },
    ]);
    const ticket = await openTicketForChat(t.db, { workspaceId: ws.workspace.id, chatId: chat.id, status: 'pending' });

    const res = await ws.request(`/api/v1/chats/${chat.id}/details`, { key: ws.keys.read });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id: chat.id,
      workspaceId: ws.workspace.id,
      title: 'Order',
      isRemoved: false,
      createdAt: chat.createdAt,
      channelId: ws.channels.whatsapp.id,
      channelName: 'whatsapp channel',
      channelType: 'whatsapp',
      lastMessageContent: 'third',
      lastMessageCreatedAt: '2025-01-01T10:02:00.000Z',
      lastMessageRole: 'user',
      penultimateMessageContent: 'second',
      penultimateMessageCreatedAt: '2025-01-01T10:01:00.000Z',
      penultimateMessageRole: 'assistant',
      ownerId: ws.blockedContact.identityId,
      ownerName: 'Bea Blocked',
      ownerEmail: null,
      ownerIdentifier: 'bea@x.test',
      isOwnerBlocked: true,
      responderId: ws.agent.identityId,
      responderEntity: 'agent',
      responderName: 'Helper Bot',
      responderPicture: 'https://img.example/helper.png',
      responderVersionId: ws.agent.v2.id,
      responderVersionNumber: 2,
      ticketId: ticket.id,
      ticketStatus: 'pending',
    });

    const v1 = await (await ws.request(`/api/v1/chats/${chat.id}/details?responderVersionId=${ws.agent.currentVersionId}`)).json();
    expect(v1).toMatchObject({ responderVersionId: ws.agent.currentVersionId, responderVersionNumber: 1 });
    expect((await ws.request(`/api/v1/chats/${chat.id}/details?responderVersionId=${ws.otherAgent.currentVersionId}`)).status).toBe(404);
    expect((await ws.request(`/api/v1/chats/${chat.id}/details?responderVersionId=bad`)).status).toBe(400);
  });

  it('shows a platform user owner with email, a squad responder, and a chat without messages', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await createChat(ws, { channelId: ws.channels.widget.id, ownerId: ws.member.identityId, title: null });
    const details = await (await ws.request(`/api/v1/chats/${chat.id}/details`)).json();
    expect(details).toMatchObject({
      ownerName: 'Mo Member',
      ownerEmail: 'mo@example.test',
      ownerIdentifier: null,
      isOwnerBlocked: null,
      responderEntity: 'squad',
      responderName: 'Tier 1',
      responderVersionId: null,
      responderVersionNumber: null,
      lastMessageContent: null,
      lastMessageRole: null,
      penultimateMessageContent: null,
      ticketId: null,
      ticketStatus: null,
      channelType: 'widget',
    });
  });

  it('lists details with filters and paging', async () => {
    const ws = await createTestWorkspace(t.db);
    const a = await createChat(ws, { channelId: ws.channels.whatsapp.id, ownerId: ws.contact.identityId, title: 'Alpha' });
    await createChat(ws, { channelId: ws.channels.api.id, ownerId: ws.contact.identityId, title: 'Beta' });
    await createChat(ws, { channelId: ws.channels.sms.id, ownerId: ws.contact.identityId, title: 'Gamma' });
    await ws.appendMessages(a.id, [{ role: 'user', content: 'needle in a haystack' }]);

    const all = await (await ws.request('/api/v1/chats/details')).json();
    expect(all.map((c: { title: string }) => c.title)).toEqual(['Gamma', 'Beta', 'Alpha']);
    const page2 = await ws.request('/api/v1/chats/details?pageSize=2&pageNumber=2');
    expect((await page2.json()).map((c: { title: string }) => c.title)).toEqual(['Alpha']);
    const byResponder = await (await ws.request(`/api/v1/chats/details?responderIds=${ws.otherAgent.identityId}`)).json();
    expect(byResponder.map((c: { title: string }) => c.title)).toEqual(['Beta']);
    const searched = await (await ws.request(`/api/v1/chats/details?search=needle&channelIds=${ws.channels.whatsapp.id}`)).json();
    expect(searched).toHaveLength(1);
    expect(searched[0]).toMatchObject({ title: 'Alpha', lastMessageContent: 'needle in a haystack', lastMessageRole: 'user' });
    expect((await ws.request('/api/v1/chats/details?channelTypes=sms')).status).toBe(400);
  });
});

describe('request limits', () => {
  it('refuses bodies over 1 MB with 413 before touching the data', async () => {
    const ws = await createTestWorkspace(t.db);
    const res = await ws.request('/api/v1/chats', { method: 'POST', body: { channelId: null, ownerId: ws.contact.identityId, title: 'x'.repeat(1_100_000) } });
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('payload_too_large');
    expect(await (await ws.request('/api/v1/chats')).json()).toEqual([]);
  });
});
