import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '@parley/core';
import {
  type ChannelType,
  insertAssistantVersion,
  insertChannel,
  insertChat,
  insertParticipant,
  type NewMessageInput,
  type OrgChatAttributes,
  setChannelEnabled,
  setChatReadMarker,
  updateContactChannelDetails,
  updateOrgChatAttributes,
} from '@parley/db';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { useTestDb } from './harness/db.js';
import { QueryCounter } from './harness/query-counter.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

const t = useTestDb();

const T0 = Date.parse('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

/** A chat with messages at the given minutes after T0 (alternating contact / assistant) and inbox attributes. */
async function seedChat(
  ws: TestWorkspace,
  options: {
    channel?: keyof TestWorkspace['channels'] | null;
    channelId?: string;
    ownerId?: string;
    title?: string | null;
    createdAt?: number;
    messages?: number[];
    attributes?: OrgChatAttributes;
    lastMessage?: Partial<NewMessageInput>;
  } = {},
) {
  const channelId = options.channelId ?? (options.channel === null ? null : ws.channels[options.channel ?? 'whatsapp'].id);
  const ownerId = options.ownerId ?? ws.contact.identityId;
  const chat = await insertChat(t.db, {
    workspaceId: ws.workspace.id,
    channelId,
    ownerId,
    responderId: ws.agent.identityId,
    currentResponderId: ws.agent.identityId,
    responderVersionId: null,
    title: options.title === undefined ? 'A chat' : options.title,
    createdAt: at(options.createdAt ?? 0),
  });
  const minutes = options.messages ?? [];
  await ws.appendMessages(
    chat.id,
    minutes.map((m, k) => ({
      role: k % 2 === 0 ? ('user' as const) : ('assistant' as const),
      content: k % 2 === 0 ? `question ${k}` : `answer ${k}`,
      authorId: k % 2 === 0 ? ownerId : ws.agent.identityId,
      createdAt: at(m),
      ...(k === minutes.length - 1 ? options.lastMessage : {}),
    })),
  );
  if (options.attributes) await updateOrgChatAttributes(t.db, ws.workspace.id, chat.id, options.attributes);
  return chat;
}

const list = async (ws: TestWorkspace, query = '', key?: string) => {
  const res = await ws.request(`/v1/orgs/${ws.workspace.id}/chats${query ? `?${query}` : ''}`, { key });
  expect(res.status, await res.clone().text()).toBe(200);
  return { res, body: (await res.json()) as any[] };
};
const ids = (body: Array<{ id: string }>) => body.map((c) => c.id);

describe('GET /v1/orgs/{org_id}/chats: shape', () => {
  it('returns every attribute of seed 002 from the database, snake_case and nested', async () => {
    const ws = await createTestWorkspace(t.db);
    const config = {
      language: 'es',
      model: 'gpt-4o',
      stt: { model: 'nova-2' },
      tts: { model: 'eleven_turbo', voice_id: 'rachel' },
      conversation: {
        thread_mode: 'continue',
        enable_memories: true,
        enable_end_conversation_tool: false,
        enable_transfer_to_human_tool: true,
        welcome_banner: 'Hola',
        suggested_messages: ['Track my order'],
        auto_intro_message: 'Hi there',
        enable_private_chats: false,
      },
      knowledge_scope: 'restricted',
      instructions: 'Be brief.',
    };
    const v3 = await insertAssistantVersion(t.db, ws.agent.identityId, config);
    await updateContactChannelDetails(t.db, ws.workspace.id, ws.contact.identityId, {
      handle: '@carl',
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0',
      link: 'https://wa.me/15550001',
      pictureUrl: 'https://img.example/carl.png',
    });
    await setChannelEnabled(t.db, ws.workspace.id, ws.channels.whatsapp.id, false);
    const tool = {
      name: 'search_kb',
      display_name: 'Search KB',
      action_name: 'kb.search',
      description: 'Searches the knowledge base',
      icon: 'ToolSearchKbIcon',
      icon_url: 'https://img.example/kb.png',
      connection_id: 'conn_1',
      // Stored JSON of the tool's own keys: written out as it is, not in snake_case.
      parameters: { type: 'object', properties: { query: { type: 'string', maxLength: 200 } }, additionalProperties: false },
      enabled_by_default: true,
      callback: 'https://hooks.example/kb',
    };
    const chat = await seedChat(ws, {
      title: 'Where is my order?',
      messages: [1, 2, 3],
      attributes: {
        model: 'gpt-4o-mini',
        conversationId: 'wa-conv-9',
        link: 'https://wa.example/c/9',
        ownerSessionId: 'sess-carl',
        tools: [tool, { display_name: 'no name: dropped' }],
        features: { web_search: { searchContextSize: 'low' }, reasoning: { effort: 'medium' } },
        isTemporary: true,
        isPinned: true,
        visibility: 'PUBLIC_READ',
        status: 'FAILED',
        state: 'SNOOZED',
        aiEnabled: false,
        sharedUrl: 'https://share.example/c/9',
        assignedMemberId: ws.member.id,
        assignedAt: at(5),
      },
      lastMessage: {
        model: 'gpt-4o',
        status: 'FAILED',
        error: 'rate limited',
        parts: [
          { type: 'text', text: 'Here is the recording' },
          {
            type: 'audio',
            audio: {
              id: 'file-1',
              file_path: 'chats/9/rec.mp3',
              file_filename: 'rec.mp3',
              file_size: 2048,
              file_mimetype: 'audio/mpeg',
              file_url: 'https://files.example/rec.mp3',
              created_at: '2026-03-01T10:03:00.000Z',
            },
            start_timestamp: 100,
            end_timestamp: 900,
          },
        ],
        tools: [tool],
        features: { reasoning: { effort: 'low' } },
        inputTokens: 120,
        outputTokens: 30,
        reasoningTokens: 10,
        cachedInputTokens: 64,
      },
    });
    await t.db.updateTable('chats').set({ responder_version_id: v3.id }).where('id', '=', chat.id).execute();
    await insertParticipant(t.db, { chatId: chat.id, memberId: ws.member.id, role: 'contributor', sessionId: 'sess-mo' });
    await insertParticipant(t.db, { chatId: chat.id, memberId: ws.admin.id, role: 'admin' });
    await setChatReadMarker(t.db, chat.id, ws.member.identityId, at(2));
    await setChatReadMarker(t.db, chat.id, ws.contact.identityId, at(1));

    const { body } = await list(ws);
    expect(body).toHaveLength(1);
    const c = body[0];
    const contactMember = {
      id: ws.contact.identityId,
      role: 'ADMIN',
      user: null,
      session: { id: 'sess-carl' },
      contact_channel: {
        id: ws.channels.whatsapp.id,
        channel_type: 'whatsapp_bot',
        channel_id: '+15550001',
        channel_name: '@carl',
        channel_display_name: 'Carl Contact',
        channel_avatar: 'https://img.example/carl.png',
        country: null,
        agent: 'Mozilla/5.0',
        ip: '203.0.113.7',
        language: null,
        contact: { id: ws.contact.identityId, name: 'Carl Contact', blocked: false },
        link: 'https://wa.me/15550001',
      },
    };
    const assistantMember = {
      id: ws.agent.identityId,
      role: 'MEMBER',
      user: { id: ws.agent.identityId, name: 'Helper Bot', avatar: 'https://img.example/helper.png' },
      session: null,
      contact_channel: null,
    };
    expect(c).toEqual({
      id: chat.id,
      title: 'Where is my order?',
      model: 'gpt-4o-mini',
      members: [
        contactMember,
        assistantMember,
        { id: ws.member.identityId, role: 'MEMBER', user: { id: ws.member.identityId, name: 'Mo Member', avatar: null }, session: { id: 'sess-mo' }, contact_channel: null },
        { id: ws.admin.identityId, role: 'ADMIN', user: { id: ws.admin.identityId, name: 'Alice Admin', avatar: null }, session: null, contact_channel: null },
      ],
      temporary: true,
      visibility: 'PUBLIC_READ',
      pinned: true,
      status: 'FAILED',
      shared_url: 'https://share.example/c/9',
      created_at: at(0).toISOString(),
      updated_at: expect.any(String),
      tools: [tool],
      features: { web_search: { searchContextSize: 'low' }, reasoning: { effort: 'medium' } },
      org_id: ws.workspace.id,
      state: {
        id: chat.id,
        state: 'SNOOZED',
        integration_id: 'whatsapp_bot',
        assistant_id: ws.agent.identityId,
        assistant_integration_id: ws.channels.whatsapp.id,
        conversation_id: 'wa-conv-9',
        ai_enabled: false,
        // The admin key's member has no marker: all three messages, none of them theirs.
        admin_unseen_count: 3,
        // The contact read up to minute 1 and wrote minute 3 itself: only the answer at minute 2.
        user_unseen_count: 1,
        assistant_integration: { id: ws.channels.whatsapp.id, enabled: false },
        assigned_user: { id: ws.member.identityId, name: 'Mo Member', email: 'mo@example.test', avatar: null, seen_at: at(2).toISOString() },
        assigned_at: at(5).toISOString(),
        assistant_config: config,
      },
      link: 'https://wa.example/c/9',
      last_message: {
        id: expect.any(String),
        role: 'user',
        model: 'gpt-4o',
        status: 'FAILED',
        created_at: at(3).toISOString(),
        updated_at: at(3).toISOString(),
        messages: [
          {
            role: 'user',
            parts: [
              { type: 'text', text: 'Here is the recording' },
              {
                type: 'audio',
                audio: {
                  id: 'file-1',
                  file_path: 'chats/9/rec.mp3',
                  file_filename: 'rec.mp3',
                  file_size: 2048,
                  file_mimetype: 'audio/mpeg',
                  file_url: 'https://files.example/rec.mp3',
                  created_at: '2026-03-01T10:03:00.000Z',
                },
                start_timestamp: 100,
                end_timestamp: 900,
              },
            ],
          },
        ],
        tools: [tool],
        features: { reasoning: { effort: 'low' } },
        member: contactMember,
        error: 'rate limited',
        usage: { input_tokens: 120, output_tokens: 30, total_tokens: 150, reasoning_tokens: 10, cached_input_tokens: 64 },
      },
    });
  });

  it('renders a bare chat: no channel, a user owner, no messages, a squad without an agent yet', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await insertChat(t.db, {
      workspaceId: ws.workspace.id,
      channelId: null,
      ownerId: ws.member.identityId,
      responderId: ws.squad.identityId,
      currentResponderId: null,
      responderVersionId: null,
      title: null,
    });
    const { body } = await list(ws);
    expect(body).toEqual([
      expect.objectContaining({
        id: chat.id,
        title: null,
        model: null,
        members: [{ id: ws.member.identityId, role: 'ADMIN', user: { id: ws.member.identityId, name: 'Mo Member', avatar: null }, session: null, contact_channel: null }],
        temporary: false,
        visibility: 'PRIVATE',
        pinned: false,
        status: 'RUNNING',
        shared_url: null,
        tools: [],
        features: {},
        link: null,
        last_message: null,
      }),
    ]);
    expect(body[0].state).toEqual({
      id: chat.id,
      state: 'OPEN',
      integration_id: 'custom',
      assistant_id: null,
      assistant_integration_id: null,
      conversation_id: null,
      ai_enabled: true,
      admin_unseen_count: 0,
      user_unseen_count: 0,
      assistant_integration: null,
      assigned_user: null,
      assigned_at: null,
      assistant_config: null,
    });
  });
});

describe('GET /v1/orgs/{org_id}/chats: nested objects the seed always shows', () => {
  it('gives zero token counts for a message without usage, and speech and conversation settings as objects with null fields', async () => {
    const ws = await createTestWorkspace(t.db);
    // The agent's current version sets its model and nothing else; the last message is the contact's.
    const chat = await seedChat(ws, { messages: [1, 2, 3] });
    const { body } = await list(ws);
    const listed = body.find((c) => c.id === chat.id);
    expect(listed.last_message.role).toBe('user');
    expect(listed.last_message.usage).toEqual({ input_tokens: 0, output_tokens: 0, total_tokens: 0, reasoning_tokens: 0, cached_input_tokens: 0 });
    expect(listed.state.assistant_config).toEqual({
      language: null,
      model: 'v2',
      stt: { model: null },
      tts: { model: null, voice_id: null },
      conversation: {
        thread_mode: null,
        enable_memories: null,
        enable_end_conversation_tool: null,
        enable_transfer_to_human_tool: null,
        welcome_banner: null,
        suggested_messages: [],
        auto_intro_message: null,
        enable_private_chats: null,
      },
      knowledge_scope: null,
      instructions: null,
    });
  });

  it('counts what a message records and zero for what it leaves out', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await seedChat(ws, { messages: [1, 2], lastMessage: { inputTokens: 40, outputTokens: null, reasoningTokens: null, cachedInputTokens: 8 } });
    const listed = (await list(ws)).body.find((c) => c.id === chat.id);
    expect(listed.last_message.usage).toEqual({ input_tokens: 40, output_tokens: 0, total_tokens: 40, reasoning_tokens: 0, cached_input_tokens: 8 });
  });
});

describe('GET /v1/orgs/{org_id}/chats: filters', () => {
  it('filters by search, integration, status, state and AI, latest activity first', async () => {
    const ws = await createTestWorkspace(t.db);
    const telegram = await insertChannel(t.db, { workspaceId: ws.workspace.id, type: 'telegram' as ChannelType, name: 'TG', responderId: ws.agent.identityId });
    const refund = await seedChat(ws, { title: 'Refund please', channel: 'whatsapp', messages: [10] });
    const hidden = await seedChat(ws, { title: 'Other', channel: 'widget', messages: [20], lastMessage: { content: 'my REFUND_100% code' } });
    const api = await seedChat(ws, { title: 'Api chat', channel: 'api', messages: [30], attributes: { status: 'COMPLETED', state: 'CLOSED' } });
    const none = await seedChat(ws, { title: 'No channel', channel: null, messages: [40], attributes: { aiEnabled: false } });
    const tg = await seedChat(ws, { title: 'Telegram', channelId: telegram.id, createdAt: 50, attributes: { status: 'CANCELED', state: 'SNOOZED' } });

    expect(ids((await list(ws)).body)).toEqual([tg.id, none.id, api.id, hidden.id, refund.id]);
    expect(ids((await list(ws, 'search=refund')).body)).toEqual([hidden.id, refund.id]);
    // LIKE wildcards are literal.
    expect(ids((await list(ws, `search=${encodeURIComponent('_100%')}`)).body)).toEqual([hidden.id]);
    expect(ids((await list(ws, 'integration_id=whatsapp_bot')).body)).toEqual([refund.id]);
    expect(ids((await list(ws, 'integration_id=internal')).body)).toEqual([hidden.id]);
    expect(ids((await list(ws, 'integration_id=custom')).body)).toEqual([none.id, api.id]);
    expect(ids((await list(ws, 'integration_id=telegram_bot')).body)).toEqual([tg.id]);
    expect(ids((await list(ws, 'integration_id=gmail')).body)).toEqual([]);
    expect(ids((await list(ws, 'status=COMPLETED')).body)).toEqual([api.id]);
    expect(ids((await list(ws, 'status=RUNNING')).body)).toEqual([none.id, hidden.id, refund.id]);
    expect(ids((await list(ws, 'status=ALL&state=ALL&ai=ALL&filter=ALL')).body)).toHaveLength(5);
    expect(ids((await list(ws, 'state=SNOOZED')).body)).toEqual([tg.id]);
    expect(ids((await list(ws, 'state=OPEN')).body)).toEqual([none.id, hidden.id, refund.id]);
    expect(ids((await list(ws, 'ai=DISABLED')).body)).toEqual([none.id]);
    expect(ids((await list(ws, 'ai=ENABLED&state=OPEN&search=chat')).body)).toEqual([]);
    expect(ids((await list(ws, 'ai=ENABLED&integration_id=custom')).body)).toEqual([api.id]);
  });

  it('applies the inbox filters relative to the key member', async () => {
    const ws = await createTestWorkspace(t.db);
    const mine = await seedChat(ws, { messages: [1], attributes: { assignedMemberId: ws.admin.id, assignedAt: at(2) } });
    const theirs = await seedChat(ws, { messages: [3], attributes: { assignedMemberId: ws.member.id, state: 'CLOSED', status: 'COMPLETED' } });
    const open = await seedChat(ws, { messages: [5], attributes: { state: 'SNOOZED' } });
    const memberKey = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes: ['chats:read'] })).token;

    expect(ids((await list(ws, 'filter=ASSIGNED_TO_ME')).body)).toEqual([mine.id]);
    expect(ids((await list(ws, 'filter=ASSIGNED_TO_ME', memberKey)).body)).toEqual([theirs.id]);
    expect(ids((await list(ws, 'filter=UNASSIGNED')).body)).toEqual([open.id]);
    expect(ids((await list(ws, 'filter=RESOLVED')).body)).toEqual([theirs.id]);
    expect(ids((await list(ws, 'filter=UNRESOLVED')).body)).toEqual([open.id, mine.id]);
    expect(ids((await list(ws, 'filter=UNREAD')).body)).toEqual([open.id, theirs.id, mine.id]);
    expect(ids((await list(ws, 'filter=UNRESOLVED&state=CLOSED')).body)).toEqual([]);
  });

  it('shows a member only the chats they own, take part in or are assigned to, whatever their visibility; admins see all', async () => {
    const ws = await createTestWorkspace(t.db);
    const owned = await seedChat(ws, { ownerId: ws.member.identityId, createdAt: 1 });
    const assigned = await seedChat(ws, { createdAt: 2, attributes: { assignedMemberId: ws.member.id } });
    const participating = await seedChat(ws, { createdAt: 3 });
    await insertParticipant(t.db, { chatId: participating.id, memberId: ws.member.id });
    const shared = await seedChat(ws, { createdAt: 4, attributes: { visibility: 'PUBLIC_WRITE' } });
    const privateChat = await seedChat(ws, { createdAt: 5 });
    const memberKey = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes: ['chats:read'] })).token;

    // `visibility` is shown, never a way in: a PUBLIC_WRITE chat is as out of reach as a private one.
    expect(ids((await list(ws, '', memberKey)).body)).toEqual([participating.id, assigned.id, owned.id]);
    expect(ids((await list(ws)).body)).toEqual([privateChat.id, shared.id, participating.id, assigned.id, owned.id]);
    for (const chat of [privateChat, shared]) {
      const read = await ws.request(`/v1/orgs/${ws.workspace.id}/chats/${chat.id}/read`, { method: 'POST', key: memberKey });
      expect(read.status).toBe(404);
    }
  });
});

describe('POST /v1/orgs/{org_id}/chats/{chat_id}/read', () => {
  it("moves the chat out of the member's UNREAD inbox and zeroes their unseen count, until a new message", async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await seedChat(ws, { messages: [1, 2, 3] });
    const other = await seedChat(ws, { messages: [4] });
    const memberKey = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes: ['chats:read'] })).token;
    await insertParticipant(t.db, { chatId: chat.id, memberId: ws.member.id });

    const before = (await list(ws, 'filter=UNREAD')).body;
    expect(ids(before)).toEqual([other.id, chat.id]);
    expect(before[1].state.admin_unseen_count).toBe(3);

    const res = await ws.request(`/v1/orgs/${ws.workspace.id}/chats/${chat.id}/read`, { method: 'POST', key: ws.keys.read });
    expect(res.status).toBe(200);
    const read = await res.json();
    expect(read.chat_id).toBe(chat.id);
    expect(new Date(read.seen_at).getTime()).toBeGreaterThanOrEqual(at(3).getTime());

    expect(ids((await list(ws, 'filter=UNREAD')).body)).toEqual([other.id]);
    const after = (await list(ws)).body.find((c) => c.id === chat.id);
    expect(after.state.admin_unseen_count).toBe(0);
    // Another member's view is unchanged: read markers are per member.
    const theirs = (await list(ws, 'filter=UNREAD', memberKey)).body;
    expect(ids(theirs)).toEqual([chat.id]);
    expect(theirs[0].state.admin_unseen_count).toBe(3);

    // A new message by someone else makes it unread again; the member's own messages do not.
    await ws.appendMessages(chat.id, [{ role: 'note', content: 'note by me', authorId: ws.admin.identityId, createdAt: new Date(Date.now() + 60_000) }]);
    expect(ids((await list(ws, 'filter=UNREAD')).body)).toEqual([other.id]);
    await ws.appendMessages(chat.id, [{ role: 'user', content: 'hello?', authorId: ws.contact.identityId, createdAt: new Date(Date.now() + 120_000) }]);
    const unread = (await list(ws, 'filter=UNREAD')).body;
    expect(ids(unread)).toEqual([chat.id, other.id]);
    expect(unread[0].state.admin_unseen_count).toBe(1);
    // Marking read again is idempotent and never moves the marker back.
    const again = await (await ws.request(`/v1/orgs/${ws.workspace.id}/chats/${chat.id}/read`, { method: 'POST' })).json();
    expect(new Date(again.seen_at).getTime()).toBeGreaterThanOrEqual(new Date(read.seen_at).getTime());
    expect(ids((await list(ws, 'filter=UNREAD')).body)).toEqual([other.id]);
  });

  it("answers 404 for another org, another org's chat, unknown and removed chats; 400 for malformed ids", async () => {
    const ws = await createTestWorkspace(t.db);
    const other = await createTestWorkspace(t.db);
    const foreign = await seedChat(other, { messages: [1] });
    const removed = await seedChat(ws);
    await t.db.updateTable('chats').set({ is_removed: true }).where('id', '=', removed.id).execute();
    for (const path of [
      `/v1/orgs/${other.workspace.id}/chats/${foreign.id}/read`,
      `/v1/orgs/${ws.workspace.id}/chats/${foreign.id}/read`,
      `/v1/orgs/${ws.workspace.id}/chats/${randomUUID()}/read`,
      `/v1/orgs/${ws.workspace.id}/chats/${removed.id}/read`,
    ]) {
      const res = await ws.request(path, { method: 'POST' });
      expect(res.status, path).toBe(404);
      expect((await res.json()).error.code).toBe('not_found');
    }
    expect(ids((await list(other, 'filter=UNREAD')).body)).toEqual([foreign.id]);
    const bad = await ws.request(`/v1/orgs/${ws.workspace.id}/chats/nope/read`, { method: 'POST' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.issues[0].path).toBe('path.chat_id');
  });
});

describe('GET /v1/orgs/{org_id}/chats: paging', () => {
  it('pages with page and take, and walks every chat once with the next page token', async () => {
    const ws = await createTestWorkspace(t.db);
    const chats = [];
    // Equal activity times for some chats: the id breaks the tie, so no chat is skipped or repeated.
    for (let i = 0; i < 7; i++) chats.push(await seedChat(ws, { messages: [i < 4 ? 10 : 20 + i] }));
    const all = ids((await list(ws, 'take=100')).body);
    expect(all).toHaveLength(7);
    expect(new Set(all)).toEqual(new Set(chats.map((c) => c.id)));

    const first = await list(ws, 'take=3');
    expect(ids(first.body)).toEqual(all.slice(0, 3));
    expect(first.res.headers.get('x-has-more')).toBe('true');
    expect(ids((await list(ws, 'take=3&page=2')).body)).toEqual(all.slice(3, 6));
    const last = await list(ws, 'take=3&page=3');
    expect(ids(last.body)).toEqual(all.slice(6));
    expect(last.res.headers.get('x-has-more')).toBe('false');
    expect(last.res.headers.get('x-next-page-token')).toBeNull();

    const walked: string[] = [];
    let token = first.res.headers.get('x-next-page-token');
    walked.push(...ids(first.body));
    expect(first.res.headers.get('link')).toContain(`next_page_token=${token}`);
    while (token) {
      // The token wins over page.
      const next = await list(ws, `take=3&page=9&next_page_token=${token}`);
      walked.push(...ids(next.body));
      token = next.res.headers.get('x-next-page-token');
    }
    expect(walked).toEqual(all);
  });

  it('keeps microsecond activity times exact across tokens', async () => {
    const ws = await createTestWorkspace(t.db);
    const a = await seedChat(ws);
    const b = await seedChat(ws);
    // Two chats 1 µs apart: a millisecond cursor would skip or repeat one.
    await t.db.updateTable('chats').set({ created_at: '2026-03-01T10:00:00.000002Z' } as never).where('id', '=', a.id).execute();
    await t.db.updateTable('chats').set({ created_at: '2026-03-01T10:00:00.000001Z' } as never).where('id', '=', b.id).execute();
    const first = await list(ws, 'take=1');
    expect(ids(first.body)).toEqual([a.id]);
    const second = await list(ws, `take=1&next_page_token=${first.res.headers.get('x-next-page-token')}`);
    expect(ids(second.body)).toEqual([b.id]);
  });

  it('builds a page with the same number of queries whatever its size', async () => {
    const ws = await createTestWorkspace(t.db);
    for (let i = 0; i < 12; i++) {
      const chat = await seedChat(ws, { messages: [i, i + 1] });
      await insertParticipant(t.db, { chatId: chat.id, memberId: ws.member.id });
    }
    const counter = new QueryCounter();
    const counted = t.db.withPlugin(counter);
    const app = createLocalApp({ db: async () => counted });
    const perRequest = async (take: number) => {
      const before = counter.count;
      const res = await app.request(`/v1/orgs/${ws.workspace.id}/chats?take=${take}&filter=UNREAD&search=question`, { headers: { authorization: `Bearer ${ws.keys.read}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as unknown[]).length).toBe(Math.min(take, 12));
      return counter.count - before;
    };
    const one = await perRequest(1);
    expect(await perRequest(12)).toBe(one);
    // The key's lookup and the page itself.
    expect(one).toBe(2);
  });
});

describe('GET /v1/orgs/{org_id}/chats: errors', () => {
  it("answers 404 for another org's id or an unknown one, without data", async () => {
    const ws = await createTestWorkspace(t.db);
    const other = await createTestWorkspace(t.db);
    await seedChat(other, { title: 'secret' });
    for (const org of [other.workspace.id, randomUUID()]) {
      const res = await ws.request(`/v1/orgs/${org}/chats`);
      expect(res.status).toBe(404);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe('not_found');
      expect(text).not.toContain('secret');
    }
  });

  it('answers 401 without a valid key and 403 without chats:read', async () => {
    const ws = await createTestWorkspace(t.db);
    const path = `/v1/orgs/${ws.workspace.id}/chats`;
    expect((await ws.request(path, { key: null })).status).toBe(401);
    expect((await ws.request(path, { key: 'prl_abcdefghijkl_wrongwrongwrongwrong' })).status).toBe(401);
    expect((await ws.request(`${path}/${randomUUID()}/read`, { method: 'POST', key: null })).status).toBe(401);
    const forbidden = await ws.request(path, { key: ws.keys.statistics });
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error.code).toBe('forbidden');
    expect((await ws.request(`${path}/${randomUUID()}/read`, { method: 'POST', key: ws.keys.statistics })).status).toBe(403);
  });

  it('rejects unknown parameters and bad values with 400 at their path', async () => {
    const ws = await createTestWorkspace(t.db);
    const cases: Array<[string, string]> = [
      ['color=red', 'query.color'],
      ['take=0', 'query.take'],
      ['take=101', 'query.take'],
      ['take=ten', 'query.take'],
      ['page=0', 'query.page'],
      ['filter=MINE', 'query.filter'],
      ['status=DONE', 'query.status'],
      ['state=open', 'query.state'],
      ['ai=YES', 'query.ai'],
      ['integration_id=whatsapp', 'query.integration_id'],
      [`search=${'x'.repeat(257)}`, 'query.search'],
      ['next_page_token=garbage', 'query.next_page_token'],
      [`next_page_token=${Buffer.from('["2026-01-01", "x"]').toString('base64url')}`, 'query.next_page_token'],
    ];
    for (const [query, path] of cases) {
      const res = await ws.request(`/v1/orgs/${ws.workspace.id}/chats?${query}`);
      expect(res.status, query).toBe(400);
      const { error } = await res.json();
      expect(error.code, query).toBe('validation_failed');
      expect(error.issues.map((i: { path: string }) => i.path), query).toContain(path);
    }
    const badOrg = await ws.request('/v1/orgs/not-a-uuid/chats');
    expect(badOrg.status).toBe(400);
    expect((await badOrg.json()).error.issues[0].path).toBe('path.org_id');
  });

  it('is described in the OpenAPI document', async () => {
    const ws = await createTestWorkspace(t.db);
    const doc = await (await ws.request('/openapi.json', { key: null })).json();
    const get = doc.paths['/v1/orgs/{org_id}/chats'].get;
    expect(get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(
      ['ai', 'filter', 'integration_id', 'next_page_token', 'org_id', 'page', 'search', 'state', 'status', 'take'],
    );
    expect(get.parameters.find((p: { name: string }) => p.name === 'take').schema).toMatchObject({ minimum: 1, maximum: 100 });
    expect(Object.keys(get.responses).sort()).toEqual(['200', '400', '401', '403', '404', '429', '500', '503']);
    expect(doc.paths['/v1/orgs/{org_id}/chats/{chat_id}/read'].post).toBeDefined();
    expect(doc.components.schemas.OrgChatState.properties.admin_unseen_count).toBeDefined();
  });
});
