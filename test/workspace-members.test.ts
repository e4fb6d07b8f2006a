import { createApiKey } from '@parley/core';
import { insertChat, insertParticipant, insertUser } from '@parley/db';
import { describe, expect, it } from 'vitest';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// The members directory (GET /members) and a chat's participants: list, add (chat-actions.test.ts) and remove.

const t = useTestDb();

const membersOf = (ws: TestWorkspace) => `/api/v2/w/${ws.workspace.id}/members`;

async function page(ws: TestWorkspace, query = '', key?: string) {
  const res = await ws.request(`${membersOf(ws)}${query ? `?${query}` : ''}`, { key });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as { members: Array<Record<string, any>>; hasMore: boolean; nextCursor: string | null };
}

describe('GET /api/v2/w/{workspace_uuid}/members', () => {
  it('lists users and assistants by name with their id, kind, email and role', async () => {
    const ws = await createTestWorkspace(t.db);
    const body = await page(ws);
    expect(body.hasMore).toBe(false);
    expect(body.nextCursor).toBeNull();
    expect(body.members.map((m) => m.name)).toEqual(['Alice Admin', 'Helper Bot', 'Mo Member', 'Sales Bot']);
    expect(body.members[0]).toEqual({
      id: ws.admin.id, identityId: ws.admin.identityId, kind: 'user', name: 'Alice Admin', email: 'alice@example.test', role: 'admin', avatar: null, createdAt: expect.any(String),
    });
    expect(body.members[1]).toMatchObject({ id: ws.agent.memberId, identityId: ws.agent.identityId, kind: 'assistant', email: null, role: 'member', avatar: 'https://img.example/helper.png' });
    expect(body.members[2]).toMatchObject({ id: ws.member.id, kind: 'user', email: 'mo@example.test', role: 'member' });
  });

  it('searches names case-insensitively and literally, and filters by kind', async () => {
    const ws = await createTestWorkspace(t.db);
    await insertUser(t.db, { workspaceId: ws.workspace.id, name: '100% Bottle' });
    expect((await page(ws, 'search=BOT')).members.map((m) => m.name)).toEqual(['100% Bottle', 'Helper Bot', 'Sales Bot']);
    expect((await page(ws, `search=${encodeURIComponent('0%')}`)).members.map((m) => m.name)).toEqual(['100% Bottle']);
    expect((await page(ws, 'search=bot&kind=assistant')).members.map((m) => m.name)).toEqual(['Helper Bot', 'Sales Bot']);
    expect((await page(ws, 'kind=user')).members.map((m) => m.kind)).toEqual(['user', 'user', 'user']);
    expect((await page(ws, 'search=nobody')).members).toEqual([]);
  });

  it('pages by cursor in name order, ties by id, and refuses a cursor of another search', async () => {
    const ws = await createTestWorkspace(t.db);
    for (let i = 0; i < 3; i++) await insertUser(t.db, { workspaceId: ws.workspace.id, name: 'Sam Same' });
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const body = await page(ws, `limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...body.members.map((m) => m.id));
      cursor = body.nextCursor;
      expect(body.hasMore).toBe(cursor !== null);
      pages++;
    } while (cursor);
    const all = (await page(ws, 'limit=100')).members.map((m) => m.id);
    expect(seen).toEqual(all);
    expect(all).toHaveLength(7);
    expect(pages).toBe(4);
    const first = await page(ws, 'limit=1');
    const other = await ws.request(`${membersOf(ws)}?limit=1&search=sam&cursor=${first.nextCursor}`);
    expect(other.status).toBe(400);
    expect((await other.json()).error.issues).toEqual([{ path: 'query.cursor', message: 'is not a cursor this API returned' }]);
  });

  it('answers 400 for bad parameters, 404 for another workspace, 403 without chats:read', async () => {
    const ws = await createTestWorkspace(t.db);
    const other = await createTestWorkspace(t.db);
    for (const [query, path] of [['limit=0', 'query.limit'], ['limit=101', 'query.limit'], ['kind=bot', 'query.kind'], ['cursor=nonsense', 'query.cursor'], ['extra=1', 'query.extra']]) {
      const res = await ws.request(`${membersOf(ws)}?${query}`);
      expect(res.status, query).toBe(400);
      expect((await res.json()).error.issues[0].path, query).toBe(path);
    }
    expect((await ws.request(membersOf(other))).status).toBe(404);
    expect((await ws.request(membersOf(ws), { key: ws.keys.statistics })).status).toBe(403);
    // A member without admin rights sees the whole directory: it shows no chat.
    const memberKey = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes: ['chats:read'] })).token;
    expect((await page(ws, '', memberKey)).members).toHaveLength(4);
  });
});

describe('participants: list and remove', () => {
  async function setup() {
    const ws = await createTestWorkspace(t.db);
    const chat = await insertChat(t.db, {
      workspaceId: ws.workspace.id, channelId: ws.channels.sms.id, ownerId: ws.contact.identityId, responderId: ws.agent.identityId,
      currentResponderId: ws.agent.identityId, responderVersionId: null, title: 'Team chat',
    });
    const base = `/api/v2/w/${ws.workspace.id}/chats/${chat.number}/participants`;
    return { ws, chat, base };
  }

  it('lists the participants as added, with their member, name, role and times', async () => {
    const { ws, base } = await setup();
    expect(await (await ws.request(base)).json()).toEqual({ participants: [] });
    const added = await (await ws.request(base, { method: 'POST', body: { memberId: ws.member.id, role: 'observer' } })).json();
    await ws.request(base, { method: 'POST', body: { memberId: ws.admin.id } });
    const res = await ws.request(base);
    expect(res.status).toBe(200);
    const { participants } = await res.json();
    expect(participants).toEqual([
      { id: added.participantId, memberId: ws.member.id, identityId: ws.member.identityId, name: 'Mo Member', email: 'mo@example.test', role: 'observer', addedAt: expect.any(String), lastSeenAt: null },
      expect.objectContaining({ memberId: ws.admin.id, role: 'contributor' }),
    ]);
  });

  it('removes a participant, after which the member takes no part (and a member who reached the chat only so no longer reaches it)', async () => {
    const { ws, chat, base } = await setup();
    const { participantId } = await (await ws.request(base, { method: 'POST', body: { memberId: ws.member.id } })).json();
    const memberKey = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes: ['chats:write'] })).token;
    expect((await ws.request(base, { key: memberKey })).status).toBe(200);
    const removed = await ws.request(`${base}/${participantId}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({ success: true, message: 'Participant removed', participantId });
    expect((await (await ws.request(base)).json()).participants).toEqual([]);
    expect((await (await ws.request(`/api/v2/w/${ws.workspace.id}/chats`)).json()).chats.find((c: { id: number }) => c.id === chat.number).participants).toEqual([]);
    expect((await ws.request(base, { key: memberKey })).status).toBe(404);
    // Removed already: 404; and it can be added again.
    const again = await ws.request(`${base}/${participantId}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect((await again.json()).error).toMatchObject({ code: 'not_found', message: 'Participant not found' });
    expect((await ws.request(base, { method: 'POST', body: { memberId: ws.member.id } })).status).toBe(200);
    // Each change is an event of the chat.
    const feed = await (await ws.request(`/api/v2/w/${ws.workspace.id}/events?types=participant.added,participant.removed`)).json();
    const participant = { memberId: ws.member.id, identityId: ws.member.identityId, role: 'contributor' };
    expect(feed.events.map((e: { type: string; data: any }) => [e.type, e.data.chat, e.data.participant])).toEqual([
      ['participant.added', { id: chat.id, number: chat.number }, { id: participantId, ...participant }],
      ['participant.removed', { id: chat.id, number: chat.number }, { id: participantId, ...participant }],
      ['participant.added', { id: chat.id, number: chat.number }, expect.objectContaining(participant)],
    ]);
  });

  it("answers 404 for another chat's participant and for another workspace's chat, 400 for a bad id", async () => {
    const { ws, base } = await setup();
    const other = await insertChat(t.db, {
      workspaceId: ws.workspace.id, channelId: null, ownerId: ws.contact.identityId, responderId: ws.agent.identityId,
      currentResponderId: null, responderVersionId: null, title: 'Other',
    });
    const elsewhere = await insertParticipant(t.db, { chatId: other.id, memberId: ws.member.id });
    expect((await ws.request(`${base}/${elsewhere!.id}`, { method: 'DELETE' })).status).toBe(404);
    expect(await t.db.selectFrom('participants').select('id').where('id', '=', elsewhere!.id).execute()).toHaveLength(1);
    const foreign = await createTestWorkspace(t.db);
    expect((await foreign.request(`${base}/${elsewhere!.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await foreign.request(base)).status).toBe(404);
    for (const bad of ['0', 'x', '1.5', '-1']) {
      const res = await ws.request(`${base}/${bad}`, { method: 'DELETE' });
      expect(res.status, bad).toBe(400);
      expect((await res.json()).error.issues[0].path).toBe('path.participant_id');
    }
  });
});
