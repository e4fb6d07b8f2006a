import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApiKey, dailyChatCreation, type Principal } from '@parley/core';
import { type ChatType, insertChat, insertContact, type ToolCallRecord, updateChatInbox } from '@parley/db';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

const t = useTestDb();

interface ChatSetup {
  title?: string | null;
  channel?: keyof TestWorkspace['channels'] | null;
  ownerId?: string;
  createdAt?: Date;
  chatType?: ChatType;
  archived?: boolean;
  paused?: boolean;
  muted?: boolean;
  needsResponse?: boolean;
  isTest?: boolean;
  assignedMemberId?: number;
  participants?: number[];
  labels?: string[];
  messages?: Array<{ content: string; toolCalls?: ToolCallRecord[] }>;
}

/** A chat in any state the list can filter on; the flags are set the way the product's writers set them. */
async function makeChat(ws: TestWorkspace, setup: ChatSetup = {}) {
  const channel = setup.channel === undefined ? ws.channels.whatsapp : setup.channel === null ? null : ws.channels[setup.channel];
  const chat = await insertChat(t.db, {
    workspaceId: ws.workspace.id,
    channelId: channel?.id ?? null,
    ownerId: setup.ownerId ?? ws.contact.identityId,
    responderId: channel?.responderId ?? ws.agent.identityId,
    currentResponderId: null,
    responderVersionId: null,
    title: setup.title === undefined ? 'A chat' : setup.title,
    createdAt: setup.createdAt,
  });
  await updateChatInbox(t.db, ws.workspace.id, chat.id, {
    chatType: setup.chatType ?? 'assignment',
    isArchived: setup.archived ?? false,
    isPaused: setup.paused ?? false,
    isMuted: setup.muted ?? false,
    needsResponse: setup.needsResponse ?? false,
    isTest: setup.isTest ?? false,
    assignedMemberId: setup.assignedMemberId ?? null,
  });
  for (const memberId of setup.participants ?? []) {
    await t.db.insertInto('participants').values({ chat_id: chat.id, member_id: memberId, last_seen_at: null }).execute();
  }
  for (const name of setup.labels ?? []) {
    const label =
      (await t.db.selectFrom('labels').select('id').where('workspace_id', '=', ws.workspace.id).where('name', '=', name).executeTakeFirst()) ??
      (await t.db.insertInto('labels').values({ workspace_id: ws.workspace.id, name, color: null, description: null }).returning('id').executeTakeFirstOrThrow());
    await t.db.insertInto('chat_labels').values({ chat_id: chat.id, label_id: label.id }).execute();
  }
  if (setup.messages?.length) await ws.appendMessages(chat.id, setup.messages.map((m, i) => ({ role: i % 2 ? 'assistant' : 'user', ...m })));
  return chat;
}

const base = (ws: TestWorkspace) => `/api/v2/w/${ws.workspace.id}/chats`;

async function listIds(ws: TestWorkspace, query = '', key?: string): Promise<number[]> {
  const res = await ws.request(`${base(ws)}?pageSize=100${query}`, { key });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()).chats.map((c: { id: number }) => c.id);
}

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string; issues?: Array<{ path: string; message: string }> } }).error;
}

async function memberKey(ws: TestWorkspace, scopes: Parameters<typeof createApiKey>[1]['scopes'] = ['chats:read']) {
  return (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes })).token;
}

describe('GET /api/v2/w/{workspace_uuid}/chats', () => {
  it('lists chats newest first with their integer ids, owner, channel, flags, labels and participants', async () => {
    const ws = await createTestWorkspace(t.db);
    const older = await makeChat(ws, { title: 'Older', createdAt: new Date('2026-01-01T10:00:00Z') });
    const newer = await makeChat(ws, {
      title: 'Newer',
      channel: null,
      createdAt: new Date('2026-01-02T10:00:00Z'),
      needsResponse: true,
      labels: ['vip', 'billing'],
      participants: [ws.member.id],
      assignedMemberId: ws.admin.id,
      messages: [{ content: 'hi' }, { content: 'hello' }],
    });
    const res = await ws.request(base(ws));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ page: 1, pageSize: 20, hasMore: false, nextCursor: null });
    expect(body.chats.map((c: { id: number }) => c.id)).toEqual([newer.number, older.number]);
    expect(body.chats[0]).toMatchObject({
      id: newer.number,
      uuid: newer.id,
      title: 'Newer',
      chatType: 'assignment',
      channel: 'api',
      channelId: null,
      owner: { id: ws.contact.identityId, name: 'Carl Contact', kind: 'contact', memberId: null, isAnonymous: false },
      assistantMemberId: ws.agent.memberId,
      assignedMemberId: ws.admin.id,
      participants: [{ memberId: ws.member.id, role: 'contributor' }],
      labels: ['billing', 'vip'],
      archived: false,
      needsResponse: true,
      messageCount: 2,
      createdAt: '2026-01-02T10:00:00.000Z',
    });
    expect(body.chats[1]).toMatchObject({ channel: 'whatsapp', channelName: 'whatsapp channel', labels: [], participants: [] });
  });

  it('pages by number and by cursor over the same order, for every sort field', async () => {
    const ws = await createTestWorkspace(t.db);
    for (let i = 0; i < 7; i++) {
      // Two chats share each creation time, and some have no title: ties and nulls must not break paging.
      await makeChat(ws, { title: i % 3 === 0 ? null : `Chat ${i % 4}`, createdAt: new Date(Date.UTC(2026, 0, 1 + Math.floor(i / 2))) });
    }
    for (const sort of ['sortBy=createdAt&sortOrder=desc', 'sortBy=createdAt&sortOrder=asc', 'sortBy=title&sortOrder=asc', 'sortBy=title&sortOrder=desc', 'sortBy=lastMessageAt', 'sortBy=updatedAt&sortOrder=asc']) {
      const all = await listIds(ws, `&${sort}`);
      expect(all).toHaveLength(7);
      const byCursor: number[] = [];
      let cursor: string | null = null;
      do {
        const res = await ws.request(`${base(ws)}?pageSize=3&${sort}${cursor ? `&cursor=${cursor}` : ''}`);
        const body = await res.json();
        byCursor.push(...body.chats.map((c: { id: number }) => c.id));
        cursor = body.nextCursor;
      } while (cursor);
      expect(byCursor, sort).toEqual(all);
      const page2 = await (await ws.request(`${base(ws)}?pageSize=3&page=2&${sort}`)).json();
      expect(page2.chats.map((c: { id: number }) => c.id), sort).toEqual(all.slice(3, 6));
      expect(page2.hasMore).toBe(true);
    }
  });

  it('rejects a cursor reused with another sort, a tampered cursor, and deep page numbers', async () => {
    const ws = await createTestWorkspace(t.db);
    await makeChat(ws);
    await makeChat(ws);
    const first = await (await ws.request(`${base(ws)}?pageSize=1`)).json();
    const other = await ws.request(`${base(ws)}?pageSize=1&sortBy=title&cursor=${first.nextCursor}`);
    expect(other.status).toBe(400);
    expect((await errorOf(other)).issues?.[0]?.path).toBe('query.cursor');
    expect((await ws.request(`${base(ws)}?cursor=nonsense`)).status).toBe(400);
    const deep = await ws.request(`${base(ws)}?page=1000&pageSize=100`);
    expect(deep.status).toBe(400);
    expect((await errorOf(deep)).issues?.[0]?.path).toBe('query.page');
    expect((await ws.request(`${base(ws)}?pageSize=101`)).status).toBe(400);
  });

  it('applies each status, type and participant filter', async () => {
    const ws = await createTestWorkspace(t.db);
    const anonymous = await insertContact(t.db, { workspaceId: ws.workspace.id, name: 'Visitor 7', isAnonymous: true });
    const plain = await makeChat(ws, { channel: 'sms' });
    const archived = await makeChat(ws, { archived: true });
    const waiting = await makeChat(ws, { needsResponse: true, chatType: 'manager' });
    const paused = await makeChat(ws, { paused: true, chatType: 'dm', channel: null });
    const test = await makeChat(ws, { isTest: true, chatType: 'testing', ownerId: anonymous.identityId });
    const withMember = await makeChat(ws, { participants: [ws.member.id], channel: 'api' });
    const otherBot = await makeChat(ws, { channel: 'api' }); // the api channel is answered by Sales Bot
    const cases: Array<[string, string[]]> = [
      ['&archived=true', [archived.id]],
      ['&needsResponse=true', [waiting.id]],
      ['&paused=true', [paused.id]],
      ['&isTest=true', [test.id]],
      ['&isAnonymous=true', [test.id]],
      ['&chatType=manager,dm', [waiting.id, paused.id]],
      ['&chatType=dm&chatType=testing', [paused.id, test.id]],
      ['&channel=sms', [plain.id]],
      ['&channel=api', [paused.id, withMember.id, otherBot.id]],
      [`&memberId=${ws.member.id}`, [withMember.id]],
      [`&assistantMemberId=${ws.otherAgent.memberId}`, [withMember.id, otherBot.id]],
      ['&archived=false&isTest=false&needsResponse=false&paused=false&channel=whatsapp', []],
    ];
    const uuids = new Map<number, string>();
    for (const c of [plain, archived, waiting, paused, test, withMember, otherBot]) uuids.set(c.number, c.id);
    for (const [query, expected] of cases) {
      const ids = (await listIds(ws, query)).map((n) => uuids.get(n));
      expect(ids.sort(), query).toEqual([...expected].sort());
    }
    expect((await listIds(ws, '&archived=false')).length).toBe(6);
  });

  it('searches titles and message content, case-insensitively and literally', async () => {
    const ws = await createTestWorkspace(t.db);
    const byTitle = await makeChat(ws, { title: 'Refund for order 42' });
    const byContent = await makeChat(ws, { title: 'Hello', messages: [{ content: 'I want a REFUND please' }] });
    await makeChat(ws, { title: '100% sure', messages: [{ content: 'nothing here' }] });
    expect((await listIds(ws, '&search=refund')).sort()).toEqual([byTitle.number, byContent.number].sort());
    expect(await listIds(ws, '&search=%25')).toHaveLength(1); // a literal %, not a wildcard
  });

  it("searches the owner's name, phone and email, the labels and the summary, and follows their changes", async () => {
    const ws = await createTestWorkspace(t.db);
    const olga = await insertContact(t.db, { workspaceId: ws.workspace.id, name: 'Olga Ownerton', identifier: '+15559876', phone: '+15559876', email: 'olga@own.test' });
    const owned = await makeChat(ws, { ownerId: olga.identityId, title: 'Hi' });
    const labelled = await makeChat(ws, { title: 'Hi', labels: ['Priority VIP'] });
    const summarised = await makeChat(ws, { title: 'Hi', messages: [{ content: 'first words' }, { content: 'more words' }] });
    await t.db.updateTable('chats').set({ summary: 'Customer wants a warranty swap' }).where('id', '=', summarised.id).execute();
    await makeChat(ws, { title: 'Unrelated', messages: [{ content: 'nothing to see' }] });
    const search = async (term: string) => (await listIds(ws, `&search=${encodeURIComponent(term)}`)).sort();

    expect(await search('ownerton')).toEqual([owned.number]);
    expect(await search('5559876')).toEqual([owned.number]);
    expect(await search('OLGA@own')).toEqual([owned.number]);
    expect(await search('vip')).toEqual([labelled.number]);
    expect(await search('warranty swap')).toEqual([summarised.number]);
    expect(await search('more words')).toEqual([summarised.number]);
    // Fields are searched one by one: a term never spans the end of one and the start of the next.
    expect(await search('first wordsmore')).toEqual([]);

    // Every change reaches the search: a renamed label, a removed one, a new phone and name, an edited title, a deleted message.
    await t.db.updateTable('labels').set({ name: 'Gold' }).where('workspace_id', '=', ws.workspace.id).where('name', '=', 'Priority VIP').execute();
    expect(await search('vip')).toEqual([]);
    expect(await search('gold')).toEqual([labelled.number]);
    await t.db.deleteFrom('chat_labels').where('chat_id', '=', labelled.id).execute();
    expect(await search('gold')).toEqual([]);
    await t.db.updateTable('contacts').set({ phone: '+15551111', email: null }).where('identity_id', '=', olga.identityId).execute();
    await t.db.updateTable('identities').set({ display_name: 'Olga Newname' }).where('id', '=', olga.identityId).execute();
    expect(await search('5559876')).toEqual([]);
    expect(await search('olga@own')).toEqual([]);
    expect(await search('ownerton')).toEqual([]);
    expect(await search('5551111')).toEqual([owned.number]);
    expect(await search('newname')).toEqual([owned.number]);
    await t.db.updateTable('chats').set({ title: 'Boiler broken' }).where('id', '=', owned.id).execute();
    expect(await search('boiler')).toEqual([owned.number]);
    await t.db.deleteFrom('messages').where('chat_id', '=', summarised.id).where('content', '=', 'more words').execute();
    expect(await search('more words')).toEqual([]);
    expect(await search('first words')).toEqual([summarised.number]);
  });

  it('filters by creation time with offsets, and refuses times without one', async () => {
    const ws = await createTestWorkspace(t.db);
    await makeChat(ws, { createdAt: new Date('2026-03-01T08:00:00Z') });
    const mid = await makeChat(ws, { createdAt: new Date('2026-03-02T08:00:00Z') });
    await makeChat(ws, { createdAt: new Date('2026-03-03T08:00:00Z') });
    const after = encodeURIComponent('2026-03-02T09:00:00+01:00');
    const before = encodeURIComponent('2026-03-02T08:00:00Z');
    expect(await listIds(ws, `&createdAfter=${after}&createdBefore=${before}`)).toEqual([mid.number]);
    const naive = await ws.request(`${base(ws)}?createdAfter=2026-03-02T08:00:00`);
    expect(naive.status).toBe(400);
    expect((await errorOf(naive)).issues?.[0]?.path).toBe('query.createdAfter');
  });

  it('applies a JSON rule tree of groups and rules over labels, counts, times and text', async () => {
    const ws = await createTestWorkspace(t.db);
    const vip = await makeChat(ws, { labels: ['vip'], messages: [{ content: 'a' }] });
    const busy = await makeChat(ws, { messages: Array.from({ length: 5 }, (_, i) => ({ content: `m${i}` })), channel: 'sms' });
    const unlabeled = await makeChat(ws, { title: null, createdAt: new Date('2025-06-01T00:00:00Z') });
    const run = (tree: unknown) => listIds(ws, `&filters=${encodeURIComponent(JSON.stringify(tree))}`);
    expect(await run({ any: [{ field: 'label', op: 'eq', value: 'vip' }, { field: 'messageCount', op: 'between', value: [4, 10] }] })).toEqual(
      expect.arrayContaining([vip.number, busy.number]),
    );
    expect(await run({ all: [{ field: 'label', op: 'is_null', value: true }, { field: 'channel', op: 'ne', value: 'sms' }] })).toEqual([unlabeled.number]);
    expect(await run({ all: [{ field: 'title', op: 'is_null', value: true }] })).toEqual([unlabeled.number]);
    expect(await run({ field: 'createdAt', op: 'lt', value: '2026-01-01T00:00:00+00:00' })).toEqual([unlabeled.number]);
    expect(await run({ all: [{ field: 'label', op: 'not_in', value: ['vip'] }, { any: [{ field: 'content', op: 'contains', value: 'M3' }] }] })).toEqual([busy.number]);
    expect((await run({ field: 'lastMessageAt', op: 'is_null', value: false })).sort()).toEqual([vip.number, busy.number].sort());
  });

  it('answers 400 naming the offending path inside the rule tree', async () => {
    const ws = await createTestWorkspace(t.db);
    const fail = async (filters: string) => {
      const res = await ws.request(`${base(ws)}?filters=${encodeURIComponent(filters)}`);
      expect(res.status, filters).toBe(400);
      const error = await errorOf(res);
      expect(error.code).toBe('validation_failed');
      return error.issues?.map((i) => i.path);
    };
    expect(await fail('{"all": [')).toEqual(['query.filters']);
    expect(await fail(JSON.stringify({ all: [{ field: 'channel', op: 'eq', value: 'sms' }, { field: 'colour', op: 'eq', value: 1 }] }))).toEqual(['query.filters.all[1].field']);
    expect(await fail(JSON.stringify({ any: [{ field: 'messageCount', op: 'gt', value: 'ten' }] }))).toEqual(['query.filters.any[0].value']);
    expect(await fail(JSON.stringify({ field: 'archived', op: 'contains', value: true }))).toEqual(['query.filters.op']);
    expect(await fail(JSON.stringify({ field: 'createdAt', op: 'gt', value: '2026-01-01T00:00:00' }))).toEqual(['query.filters.value']);
    expect(await fail(JSON.stringify({ all: [{ field: 'channel', op: 'in', value: ['sms', 'fax'] }] }))).toEqual(['query.filters.all[0].value[1]']);
    let deep: unknown = { field: 'archived', op: 'eq', value: true };
    for (let i = 0; i < 6; i++) deep = { all: [deep] };
    expect((await fail(JSON.stringify(deep)))?.[0]).toMatch(/^query\.filters(\.all\[0\])+\.all$/);
    const many = { any: Array.from({ length: 51 }, () => ({ field: 'archived', op: 'eq', value: true })) };
    expect(await fail(JSON.stringify(many))).toEqual(['query.filters']);
    expect(await fail(JSON.stringify({ all: [] }))).toEqual(['query.filters.all']);
    expect(await fail(JSON.stringify({ all: [{ field: 'paused', op: 'eq', value: true }], any: [] }))).toEqual(['query.filters']);
  });

  it('shows members without admin rights only their own chats, and keeps isAnonymous for chats:admin', async () => {
    const ws = await createTestWorkspace(t.db);
    const owned = await makeChat(ws, { ownerId: ws.member.identityId });
    const participating = await makeChat(ws, { participants: [ws.member.id] });
    const assigned = await makeChat(ws, { assignedMemberId: ws.member.id });
    await makeChat(ws);
    const key = await memberKey(ws);
    expect((await listIds(ws, '', key)).sort()).toEqual([owned.number, participating.number, assigned.number].sort());
    expect(await listIds(ws, '')).toHaveLength(4);
    expect((await listIds(ws, '&mine=true')).length).toBe(0);
    expect((await ws.request(`${base(ws)}?isAnonymous=true`, { key: ws.keys.read })).status).toBe(403);
    expect((await ws.request(`${base(ws)}?isAnonymous=false`, { key: ws.keys.read })).status).toBe(200);
    const viaRules = await ws.request(`${base(ws)}?filters=${encodeURIComponent(JSON.stringify({ field: 'anonymous', op: 'eq', value: true }))}`, { key: ws.keys.read });
    expect(viaRules.status).toBe(403);
  });

  it("answers 404 for another workspace's path, 401 without a key and 403 without chats:read", async () => {
    const ws = await createTestWorkspace(t.db);
    const other = await createTestWorkspace(t.db);
    await makeChat(other);
    for (const path of ['', '/needs-response', '/stats/daily-creation', '/tool-call-names']) {
      const res = await ws.request(`${base(other)}${path}`);
      expect(res.status, path).toBe(404);
      expect((await errorOf(res)).code).toBe('not_found');
    }
    expect((await ws.request(`/api/v2/w/not-a-uuid/chats`)).status).toBe(404);
    expect((await ws.request(base(ws), { key: null })).status).toBe(401);
    expect((await ws.request(base(ws), { key: ws.keys.statistics })).status).toBe(403);
    expect((await ws.request(`${base(ws)}?bogus=1`)).status).toBe(400);
    expect((await ws.request(`${base(ws)}?archived=yes`)).status).toBe(400);
    expect((await ws.request(`${base(ws)}?chatType=group`)).status).toBe(400);
  });
});

describe('GET /api/v2/w/{workspace_uuid}/chats/needs-response', () => {
  it('lists the integer ids of unarchived, unmuted chats waiting for an answer; members see their own', async () => {
    const ws = await createTestWorkspace(t.db);
    const a = await makeChat(ws, { needsResponse: true });
    const b = await makeChat(ws, { needsResponse: true, ownerId: ws.member.identityId });
    await makeChat(ws, { needsResponse: true, archived: true });
    await makeChat(ws, { needsResponse: true, muted: true });
    await makeChat(ws);
    const res = await ws.request(`${base(ws)}/needs-response`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([a.number, b.number].sort((x, y) => x - y));
    const mine = await ws.request(`${base(ws)}/needs-response`, { key: await memberKey(ws) });
    expect(await mine.json()).toEqual([b.number]);
    const empty = await createTestWorkspace(t.db);
    expect(await (await empty.request(`${base(empty)}/needs-response`)).json()).toEqual([]);
  });
});

describe('GET /api/v2/w/{workspace_uuid}/chats/stats/daily-creation', () => {
  it('counts the last 30 local days by type, with zeros, leaving archived and test chats out by default', async () => {
    const ws = await createTestWorkspace(t.db);
    const now = Date.now();
    await makeChat(ws, { createdAt: new Date(now - 60_000) });
    await makeChat(ws, { createdAt: new Date(now - 60_000), chatType: 'dm' });
    await makeChat(ws, { createdAt: new Date(now - 60_000), archived: true });
    await makeChat(ws, { createdAt: new Date(now - 60_000), isTest: true, chatType: 'testing' });
    await makeChat(ws, { createdAt: new Date(now - 40 * 86_400_000) });
    const res = await ws.request(`${base(ws)}/stats/daily-creation`);
    expect(res.status).toBe(200);
    const { dailyStats } = await res.json();
    expect(dailyStats).toHaveLength(30);
    const today = new Date(now - 60_000).toISOString().slice(0, 10);
    expect(dailyStats.at(-1)).toEqual({ date: today, count: 2, assignment: 1, manager: 0, dm: 1, testing: 0 });
    expect(dailyStats.slice(0, -1).every((d: { count: number }) => d.count === 0)).toBe(true);
    const archived = (await (await ws.request(`${base(ws)}/stats/daily-creation?archived=true`)).json()).dailyStats.at(-1);
    expect(archived.count).toBe(1);
    const tests = (await (await ws.request(`${base(ws)}/stats/daily-creation?isTest=true`)).json()).dailyStats.at(-1);
    expect(tests).toMatchObject({ count: 1, testing: 1 });
    expect((await ws.request(`${base(ws)}/stats/daily-creation?days=7`)).status).toBe(400);
  });

  it("cuts days at local midnight in the workspace's zone, 25 hours on the day daylight saving ends", async () => {
    const ws = await createTestWorkspace(t.db, { timeZone: 'America/New_York' });
    const at = (iso: string) => makeChat(ws, { createdAt: new Date(iso) });
    await at('2026-10-31T03:59:00Z'); // Oct 30, 23:59 EDT
    await at('2026-11-01T04:30:00Z'); // Nov 1, 00:30 EDT
    await at('2026-11-02T04:30:00Z'); // Nov 1, 23:30 EST: the 25th hour of Nov 1
    await at('2026-11-02T05:30:00Z'); // Nov 2, 00:30 EST
    const principal: Principal = {
      keyId: 'test',
      workspaceId: ws.workspace.id,
      memberId: ws.admin.id,
      memberIdentityId: ws.admin.identityId,
      memberRole: 'admin',
      scopes: new Set(['chats:read']),
      workspaceSecret: createSecretKey(randomBytes(32)),
    };
    const days = await dailyChatCreation(t.db, principal, { now: new Date('2026-11-10T12:00:00Z') });
    expect(days).toHaveLength(30);
    expect(days[0]!.date).toBe('2026-10-12');
    expect(days.at(-1)!.date).toBe('2026-11-10');
    const count = (date: string) => days.find((d) => d.date === date)?.count;
    expect([count('2026-10-30'), count('2026-10-31'), count('2026-11-01'), count('2026-11-02')]).toEqual([1, 0, 2, 1]);
  });
});

describe('GET /api/v2/w/{workspace_uuid}/chats/tool-call-names', () => {
  it('lists distinct tool names from the workspace messages, sorted; members see their own chats only', async () => {
    const ws = await createTestWorkspace(t.db);
    const call = (name: string): ToolCallRecord => ({ id: `call_${name}`, name, arguments: {} });
    await makeChat(ws, { messages: [{ content: 'x' }, { content: 'y', toolCalls: [call('lookup_order'), call('create_ticket')] }] });
    await makeChat(ws, { ownerId: ws.member.identityId, messages: [{ content: 'x' }, { content: 'y', toolCalls: [call('book_meeting'), call('lookup_order')] }] });
    const other = await createTestWorkspace(t.db);
    await makeChat(other, { messages: [{ content: 'x' }, { content: 'y', toolCalls: [call('secret_tool')] }] });
    expect(await (await ws.request(`${base(ws)}/tool-call-names`)).json()).toEqual(['book_meeting', 'create_ticket', 'lookup_order']);
    const mine = await ws.request(`${base(ws)}/tool-call-names`, { key: await memberKey(ws) });
    expect(await mine.json()).toEqual(['book_meeting', 'lookup_order']);
  });
});
