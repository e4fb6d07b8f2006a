import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate, createApiKey, parseConfig, type Providers, withIdempotency } from '@parley/core';
import { createProviders } from '@parley/core/providers';
import { type ChannelType, insertChannel, insertChat, insertChatTool, insertLabel, insertSquad, insertUser, listDeliveries } from '@parley/db';
import { sql } from 'kysely';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace } from './harness/workspace.js';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { sendJson, startHttpStub } from './support/http-stub.js';

const t = useTestDb();

/** The default adapters with the outbox's log captured. */
function outboxProviders() {
  const log: string[] = [];
  const providers = createProviders(parseConfig({}).providers, { log: (line) => log.push(line) });
  return { providers, log };
}

async function setup(options: { providers?: Providers } = {}) {
  const captured = outboxProviders();
  const ws = await createTestWorkspace(t.db, { providers: options.providers ?? captured.providers });
  const base = `/api/v2/w/${ws.workspace.id}/chats`;
  const channel = async (type: ChannelType, config?: Record<string, unknown>) =>
    insertChannel(t.db, { workspaceId: ws.workspace.id, type, name: `${type} line`, responderId: ws.agent.identityId, config });
  const emailChannel = await channel('email');
  /** A chat answered by the workspace's agent, owned by the contact unless told otherwise. */
  const chat = async (options: { channelId?: string | null; ownerId?: string; title?: string | null } = {}) =>
    insertChat(t.db, {
      workspaceId: ws.workspace.id,
      channelId: options.channelId === undefined ? ws.channels.sms.id : options.channelId,
      ownerId: options.ownerId ?? ws.contact.identityId,
      responderId: ws.agent.identityId,
      currentResponderId: ws.agent.identityId,
      responderVersionId: ws.agent.currentVersionId,
      title: options.title ?? 'Order question',
    });
  const post = (path: string, body: unknown, init: { key?: string | null; headers?: Record<string, string> } = {}) => ws.request(`${base}${path}`, { method: 'POST', body, ...init });
  const get = (path: string, init: { key?: string | null } = {}) => ws.request(`${base}${path}`, init);
  const memberKey = async (scopes: Parameters<typeof createApiKey>[1]['scopes']) => (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes })).token;
  const getChat = async (number: number) => {
    const list = await (await get('?pageSize=100')).json();
    return list.chats.find((c: { id: number }) => c.id === number);
  };
  return { ws, base, channel, emailChannel, chat, post, get, memberKey, getChat, outbox: captured.log };
}

describe('POST .../chats/{chat_id}/participants', () => {
  it('adds a member as a contributor by default, or with the role given', async () => {
    const { ws, chat, post, getChat } = await setup();
    const c = await chat();
    const res = await post(`/${c.number}/participants`, { memberId: ws.member.id });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ success: true, message: 'Participant added', participantId: expect.any(Number) });
    const other = await insertUser(t.db, { workspaceId: ws.workspace.id, name: 'Olga Observer' });
    expect((await post(`/${c.number}/participants`, { memberId: other.id, role: 'observer' })).status).toBe(200);
    expect((await getChat(c.number)).participants).toEqual([
      { memberId: ws.member.id, role: 'contributor' },
      { memberId: other.id, role: 'observer' },
    ]);
  });

  it('answers 400 for an invalid role, an assistant, or a member already taking part', async () => {
    const { ws, chat, post } = await setup();
    const c = await chat();
    const badRole = await post(`/${c.number}/participants`, { memberId: ws.member.id, role: 'boss' });
    expect(badRole.status).toBe(400);
    expect((await badRole.json()).error).toMatchObject({ code: 'validation_failed', issues: [{ path: 'body.role' }] });
    const assistant = await post(`/${c.number}/participants`, { memberId: ws.agent.memberId });
    expect(assistant.status).toBe(400);
    expect((await post(`/${c.number}/participants`, { memberId: ws.member.id })).status).toBe(200);
    const again = await post(`/${c.number}/participants`, { memberId: ws.member.id, role: 'admin' });
    expect(again.status).toBe(400);
    expect((await again.json()).error).toMatchObject({ code: 'bad_request', message: expect.stringContaining('already a participant') });
    for (const body of [{}, { memberId: 'x' }, { memberId: ws.member.id, extra: 1 }]) expect((await post(`/${c.number}/participants`, body)).status).toBe(400);
  });

  it("answers 404 for unknown chats and members, and for another workspace's", async () => {
    const { ws, chat, post } = await setup();
    const other = await setup();
    const c = await chat();
    const foreignChat = await other.chat();
    expect((await post(`/${foreignChat.number}/participants`, { memberId: ws.member.id })).status).toBe(404);
    expect((await post(`/999999999/participants`, { memberId: ws.member.id })).status).toBe(404);
    const foreignMember = await post(`/${c.number}/participants`, { memberId: other.ws.member.id });
    expect(foreignMember.status).toBe(404);
    expect((await foreignMember.json()).error.message).toBe('Member not found');
    expect((await post(`/abc/participants`, { memberId: ws.member.id })).status).toBe(400);
    // The workspace in the path must be the key's.
    expect((await ws.request(`/api/v2/w/${other.ws.workspace.id}/chats/${foreignChat.number}/participants`, { method: 'POST', body: { memberId: ws.member.id } })).status).toBe(404);
  });

  it('needs chats:write', async () => {
    const { ws, chat, post } = await setup();
    const c = await chat();
    const res = await post(`/${c.number}/participants`, { memberId: ws.member.id }, { key: ws.keys.read });
    expect(res.status).toBe(403);
    expect((await post(`/${c.number}/participants`, { memberId: ws.member.id }, { key: null })).status).toBe(401);
  });
});

describe('POST .../chats/{chat_id}/messages and GET .../messages', () => {
  it('records a user message: needs_response is set and the last-message fields move', async () => {
    const { chat, post, getChat } = await setup();
    const c = await chat();
    const res = await post(`/${c.number}/messages`, { role: 'user', content: 'Where is my parcel?' });
    expect(res.status).toBe(201);
    const message = await res.json();
    expect(message).toMatchObject({ role: 'user', content: 'Where is my parcel?', rating: null, deliveryStatus: null, toolCalls: [] });
    expect(message.uuid).toMatch(/^[0-9a-f-]{36}$/);
    const after = await getChat(c.number);
    expect(after).toMatchObject({ needsResponse: true, messageCount: 1, lastMessageAt: message.timestamp });

    await post(`/${c.number}/messages`, { role: 'note', content: 'Customer called twice.' });
    expect((await getChat(c.number)).needsResponse).toBe(true);
    await post(`/${c.number}/messages`, { role: 'assistant', content: 'It ships today.' });
    expect(await getChat(c.number)).toMatchObject({ needsResponse: false, messageCount: 3 });
  });

  it('pages the history by cursor, newest first or oldest first', async () => {
    const { chat, post, get } = await setup();
    const c = await chat();
    const contents = ['one', 'two', 'three', 'four', 'five'];
    for (const content of contents) expect((await post(`/${c.number}/messages`, { role: 'user', content })).status).toBe(201);
    const read = async (order: 'asc' | 'desc') => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(`/${c.number}/messages?limit=2&order=${order}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        const page = await res.json();
        expect(page.messages.length).toBeLessThanOrEqual(2);
        seen.push(...page.messages.map((m: { content: string }) => m.content));
        cursor = page.nextCursor;
        expect(page.hasMore).toBe(cursor !== null);
      } while (cursor);
      return seen;
    };
    expect(await read('asc')).toEqual(contents);
    expect(await read('desc')).toEqual([...contents].reverse());
    const first = await (await get(`/${c.number}/messages?limit=2`)).json();
    expect((await get(`/${c.number}/messages?order=asc&cursor=${first.nextCursor}`)).status).toBe(400);
    expect((await get(`/${c.number}/messages?cursor=nonsense`)).status).toBe(400);
    expect((await get(`/${c.number}/messages?limit=101`)).status).toBe(400);
  });

  it('keeps a message written at its source at that time', async () => {
    const { chat, post, get } = await setup();
    const c = await chat();
    await post(`/${c.number}/messages`, { role: 'user', content: 'later' });
    const early = await (await post(`/${c.number}/messages`, { role: 'user', content: 'earlier', createdAt: '2020-01-01T10:00:00+02:00' })).json();
    expect(early.timestamp).toBe('2020-01-01T08:00:00.000Z');
    const page = await (await get(`/${c.number}/messages?order=asc`)).json();
    expect(page.messages.map((m: { content: string }) => m.content)).toEqual(['earlier', 'later']);
  });

  it('validates the body and the scopes', async () => {
    const { ws, chat, post, get, memberKey } = await setup();
    const c = await chat();
    for (const body of [{ role: 'tool', content: 'x' }, { role: 'user', content: '' }, { role: 'user' }, { role: 'user', content: 'x', createdAt: '2020-01-01T10:00:00' }]) {
      const res = await post(`/${c.number}/messages`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await post(`/${c.number}/messages`, { role: 'user', content: 'x' }, { key: ws.keys.read })).status).toBe(403);
    // A member without admin rights reads only chats they take part in: any other is not found.
    const key = await memberKey(['chats:read']);
    expect((await get(`/${c.number}/messages`, { key })).status).toBe(404);
    const own = await chat({ ownerId: ws.member.identityId });
    expect((await get(`/${own.number}/messages`, { key })).status).toBe(200);
    expect((await get(`/${c.number}/messages`, { key: ws.keys.statistics })).status).toBe(403);
  });

  it("answers 404 for another workspace's chat", async () => {
    const { post, get } = await setup();
    const other = await setup();
    const foreign = await other.chat();
    expect((await get(`/${foreign.number}/messages`)).status).toBe(404);
    expect((await post(`/${foreign.number}/messages`, { role: 'user', content: 'hi' })).status).toBe(404);
  });

  it('records a message once per Idempotency-Key; another body under the key is a 422', async () => {
    const { chat, post, get } = await setup();
    const c = await chat();
    const headers = { 'idempotency-key': 'msg-1' };
    const first = await post(`/${c.number}/messages`, { role: 'user', content: 'Hello' }, { headers });
    const retry = await post(`/${c.number}/messages`, { content: 'Hello', role: 'user' }, { headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(await first.json());
    const other = await post(`/${c.number}/messages`, { role: 'user', content: 'Hello!' }, { headers });
    expect(other.status).toBe(422);
    expect((await other.json()).error.code).toBe('idempotency_mismatch');
    const elsewhere = await post(`/${(await chat()).number}/messages`, { role: 'user', content: 'Hello' }, { headers });
    expect(elsewhere.status).toBe(422);
    expect((await (await get(`/${c.number}/messages`)).json()).messages).toHaveLength(1);
  });
});

describe('POST .../messages/{uuid}/rate', () => {
  it('rates assistant messages only', async () => {
    const { chat, post, get } = await setup();
    const c = await chat();
    const answer = await (await post(`/${c.number}/messages`, { role: 'assistant', content: 'Done.' })).json();
    const question = await (await post(`/${c.number}/messages`, { role: 'user', content: 'Thanks' })).json();
    const rated = await post(`/${c.number}/messages/${answer.uuid}/rate`, { rating: 1 });
    expect(rated.status).toBe(200);
    expect(await rated.json()).toMatchObject({ uuid: answer.uuid, rating: 1 });
    expect((await (await post(`/${c.number}/messages/${answer.uuid}/rate`, { rating: -1 })).json()).rating).toBe(-1);
    const history = await (await get(`/${c.number}/messages?order=asc`)).json();
    expect(history.messages[0].rating).toBe(-1);
    expect((await (await post(`/${c.number}/messages/${answer.uuid}/rate`, { rating: null })).json()).rating).toBeNull();
    const user = await post(`/${c.number}/messages/${question.uuid}/rate`, { rating: 1 });
    expect(user.status).toBe(400);
    expect((await post(`/${c.number}/messages/${answer.uuid}/rate`, { rating: 5 })).status).toBe(400);
    expect((await post(`/${c.number}/messages/${answer.uuid}/rate`, {})).status).toBe(400);
    expect((await post(`/${c.number}/messages/00000000-0000-4000-8000-000000000000/rate`, { rating: 1 })).status).toBe(404);
    const other = await chat();
    expect((await post(`/${other.number}/messages/${answer.uuid}/rate`, { rating: 1 })).status).toBe(404);
  });

  it('needs chats:write even in a chat one takes part in, and answers 404 for a chat one does not', async () => {
    const { ws, chat, post, memberKey } = await setup();
    const c = await chat();
    const answer = await (await post(`/${c.number}/messages`, { role: 'assistant', content: 'Done.' })).json();
    const readKey = await memberKey(['chats:read']);
    const writeKey = await memberKey(['chats:write']);
    expect((await post(`/${c.number}/messages/${answer.uuid}/rate`, { rating: 1 }, { key: writeKey })).status).toBe(404);
    await post(`/${c.number}/participants`, { memberId: ws.member.id });
    expect((await post(`/${c.number}/messages/${answer.uuid}/rate`, { rating: 1 }, { key: readKey })).status).toBe(403);
    expect((await post(`/${c.number}/messages/${answer.uuid}/rate`, { rating: 1 }, { key: writeKey })).status).toBe(200);
  });
});

describe('GET .../chats/{chat_id}/tools', () => {
  it("lists the chat's tools with their input schemas", async () => {
    const { ws, chat, get, memberKey } = await setup();
    const c = await chat();
    const schema = { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] };
    await insertChatTool(t.db, { workspaceId: ws.workspace.id, chatId: c.id, name: 'lookup_order', description: 'Finds an order', callbackUrl: 'http://127.0.0.1:9/tool', inputSchema: schema });
    await insertChatTool(t.db, { workspaceId: ws.workspace.id, chatId: c.id, name: 'cancel_order', callbackUrl: 'http://127.0.0.1:9/cancel', timeoutMs: 500 });
    const res = await get(`/${c.number}/tools`);
    expect(res.status).toBe(200);
    const { tools } = await res.json();
    expect(tools.map((x: { name: string }) => x.name)).toEqual(['cancel_order', 'lookup_order']);
    expect(tools[1]).toMatchObject({ name: 'lookup_order', description: 'Finds an order', inputSchema: schema, callbackUrl: 'http://127.0.0.1:9/tool', timeoutMs: null });
    expect((await (await get(`/${(await chat()).number}/tools`)).json()).tools).toEqual([]);
    expect((await get(`/${c.number}/tools`, { key: await memberKey(['chats:read']) })).status).toBe(404);
    const other = await setup();
    expect((await other.get(`/${c.number}/tools`)).status).toBe(404);
  });
});

describe('POST .../chats/{chat_id}/send-assistant-message', () => {
  it('records the message as the assistant, delivers it by SMS to the owner and clears needs_response', async () => {
    const { ws, chat, post, get, getChat, outbox } = await setup();
    const c = await chat();
    await post(`/${c.number}/messages`, { role: 'user', content: 'Is my order late?' });
    expect((await getChat(c.number)).needsResponse).toBe(true);
    const res = await post(`/${c.number}/send-assistant-message`, { message: 'It arrives **tomorrow**.' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      success: true,
      message: { role: 'assistant', content: 'It arrives **tomorrow**.', authorId: ws.agent.identityId, deliveryStatus: 'queued', deliveryError: null, toolCalls: [] },
      toolResults: [],
      delivery: { channel: 'sms', provider: 'outbox', recipient: '+15550001', status: 'queued', providerMessageId: null },
    });
    expect(body.message).toHaveProperty('id');
    expect(body.message).toHaveProperty('uuid');
    expect(body.message).toHaveProperty('timestamp');
    expect(await getChat(c.number)).toMatchObject({ needsResponse: false, messageCount: 2, lastMessageAt: body.message.timestamp });
    const deliveries = await listDeliveries(t.db, ws.workspace.id, { chatId: c.id });
    expect(deliveries).toMatchObject([{ channel: 'sms', provider: 'outbox', recipient: '+15550001', status: 'queued', messageId: body.message.uuid, payload: { to: '+15550001', body: 'It arrives **tomorrow**.' } }]);
    // The log masks the recipient and gives the message's size, never its text.
    expect(outbox).toEqual(['[outbox] sms to +1555…01: 24 characters']);
    const history = await (await get(`/${c.number}/messages`)).json();
    expect(history.messages[0]).toEqual(body.message);
  });

  it("emails the owner with the markdown rendered to HTML", async () => {
    const { ws, chat, post, emailChannel } = await setup();
    const owner = await insertUser(t.db, { workspaceId: ws.workspace.id, name: 'Erin Email', email: 'erin@example.test' });
    const c = await chat({ channelId: emailChannel.id, ownerId: owner.identityId, title: 'Refund' });
    const res = await post(`/${c.number}/send-assistant-message`, { message: '# Refund\n\nYour refund is **approved**.\n\n<script>alert(1)</script>' });
    expect(res.status).toBe(200);
    expect((await res.json()).delivery).toMatchObject({ channel: 'email', recipient: 'erin@example.test', status: 'queued' });
    const [delivery] = await listDeliveries(t.db, ws.workspace.id, { chatId: c.id });
    expect(delivery!.payload).toMatchObject({ to: 'erin@example.test', subject: 'Re: Refund', text: expect.stringContaining('**approved**') });
    const html = String(delivery!.payload.html);
    expect(html).toContain('<h1>Refund</h1>');
    expect(html).toContain('<strong>approved</strong>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
  });

  it('answers 400 when the chat cannot deliver: wrong or no channel, no phone or email, notifications off', async () => {
    const { ws, chat, post, channel, emailChannel, get } = await setup();
    const noPhone = await insertUser(t.db, { workspaceId: ws.workspace.id, name: 'No Phone', email: 'np@example.test' });
    const noEmail = await insertUser(t.db, { workspaceId: ws.workspace.id, name: 'No Email' });
    const muted = await channel('sms', { notificationsEnabled: false });
    const cases: Array<[string, Parameters<typeof chat>[0], RegExp]> = [
      ['whatsapp', { channelId: ws.channels.whatsapp.id }, /whatsapp channel, which cannot deliver/],
      ['no channel', { channelId: null }, /no channel/],
      ['no phone', { ownerId: noPhone.identityId }, /no phone number/],
      ['no email', { channelId: emailChannel.id, ownerId: noEmail.identityId }, /no email address/],
      ['notifications off', { channelId: muted.id }, /Notifications are disabled/],
      ['blocked owner', { ownerId: ws.blockedContact.identityId }, /blocked/],
    ];
    for (const [name, options, message] of cases) {
      const c = await chat(options);
      const res = await post(`/${c.number}/send-assistant-message`, { message: 'Hello' });
      expect(res.status, name).toBe(400);
      expect((await res.json()).error.message, name).toMatch(message);
      expect((await (await get(`/${c.number}/messages`)).json()).messages, name).toEqual([]);
    }
    const c = await chat();
    const long = await post(`/${c.number}/send-assistant-message`, { message: 'x'.repeat(1601) });
    expect(long.status).toBe(400);
    expect((await long.json()).error.issues[0].path).toBe('body.message');
    for (const body of [{}, { message: '' }, { message: 'hi', tool_calls: 'x' }, { message: 'hi', extra: true }]) {
      expect((await post(`/${c.number}/send-assistant-message`, body)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it('needs chats:admin, and answers 404 for chats of another workspace or without an assistant', async () => {
    const { ws, chat, post } = await setup();
    const c = await chat();
    const res = await post(`/${c.number}/send-assistant-message`, { message: 'Hi' }, { key: ws.keys.write });
    expect(res.status).toBe(403);
    const other = await setup();
    expect((await post(`/${(await other.chat()).number}/send-assistant-message`, { message: 'Hi' })).status).toBe(404);
    // A squad with no assistants has nobody to answer its chats.
    const empty = await insertSquad(t.db, { workspaceId: ws.workspace.id, name: 'Nobody', assistantIds: [] });
    const squadChat = await insertChat(t.db, {
      workspaceId: ws.workspace.id,
      channelId: ws.channels.sms.id,
      ownerId: ws.contact.identityId,
      responderId: empty.identityId,
      currentResponderId: null,
      responderVersionId: null,
      title: null,
    });
    const noAssistant = await post(`/${squadChat.number}/send-assistant-message`, { message: 'Hi' });
    expect(noAssistant.status).toBe(404);
    expect((await noAssistant.json()).error.message).toMatch(/Assistant not found/);
  });

  it("lets a squad's first assistant take a chat no assistant has answered yet, by sending or recording", async () => {
    const { ws, post } = await setup();
    const squadChat = () =>
      insertChat(t.db, { workspaceId: ws.workspace.id, channelId: ws.channels.sms.id, ownerId: ws.contact.identityId, responderId: ws.squad.identityId, currentResponderId: null, responderVersionId: null, title: null });
    // The squad lists its assistants by name: Helper Bot before Sales Bot.
    const sent = await squadChat();
    const res = await post(`/${sent.number}/send-assistant-message`, { message: 'Hi' });
    expect(res.status, await res.clone().text()).toBe(200);
    expect((await res.json()).message.authorId).toBe(ws.agent.identityId);
    const recorded = await squadChat();
    const msg = await post(`/${recorded.number}/messages`, { role: 'assistant', content: 'Hello' });
    expect(msg.status, await msg.clone().text()).toBe(201);
    expect((await msg.json()).authorId).toBe(ws.agent.identityId);
    for (const chat of [sent, recorded]) {
      const v1 = await ws.request(`/api/v1/chats/${chat.id}`);
      expect((await v1.json()).currentResponderId).toBe(ws.agent.identityId);
    }
    // Once taken, the chat stays with that assistant whatever the squad's order becomes.
    await t.db.updateTable('identities').set({ display_name: 'Zed Bot' }).where('id', '=', ws.agent.identityId).execute();
    const again = await post(`/${recorded.number}/messages`, { role: 'assistant', content: 'Still me' });
    expect((await again.json()).authorId).toBe(ws.agent.identityId);
  });

  describe('with tool calls', () => {
    let stub: Awaited<ReturnType<typeof startHttpStub>>;
    beforeAll(async () => {
      stub = await startHttpStub(async (req, res) => {
        if (req.url === '/lookup') return sendJson(res, 200, { status: 'shipped', eta: '2026-11-24' });
        if (req.url === '/broken') return sendJson(res, 502, { error: 'warehouse offline' });
        if (req.url === '/slow') return void setTimeout(() => sendJson(res, 200, {}), 1000);
        sendJson(res, 404, {});
      });
    });
    afterAll(() => stub.close());

    async function chatWithTools() {
      const s = await setup();
      const c = await s.chat();
      const schema = { type: 'object', properties: { orderId: { type: 'string', pattern: '^A[0-9]+$' } }, required: ['orderId'], additionalProperties: false };
      await insertChatTool(t.db, { workspaceId: s.ws.workspace.id, chatId: c.id, name: 'lookup_order', callbackUrl: `${stub.url}/lookup`, inputSchema: schema });
      await insertChatTool(t.db, { workspaceId: s.ws.workspace.id, chatId: c.id, name: 'broken', callbackUrl: `${stub.url}/broken` });
      await insertChatTool(t.db, { workspaceId: s.ws.workspace.id, chatId: c.id, name: 'slow', callbackUrl: `${stub.url}/slow`, timeoutMs: 200 });
      return { ...s, c };
    }

    it('runs the tools first and records their results as tool messages before the assistant message', async () => {
      const { c, post, get, ws } = await chatWithTools();
      const before = stub.requests.length;
      const res = await post(`/${c.number}/send-assistant-message`, {
        message: 'Your order has shipped.',
        tool_calls: [{ id: 'call_1', name: 'lookup_order', arguments: { orderId: 'A42' } }],
      });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.message.toolCalls).toEqual([{ id: 'call_1', name: 'lookup_order', arguments: { orderId: 'A42' } }]);
      expect(body.toolResults).toMatchObject([{ role: 'tool', content: JSON.stringify({ status: 'shipped', eta: '2026-11-24' }), authorId: null }]);
      const call = stub.requests[before]!;
      expect(call.headers['content-type']).toBe('application/json');
      expect(JSON.parse(call.body)).toEqual({ tool: 'lookup_order', callId: 'call_1', arguments: { orderId: 'A42' }, chat: { id: c.number, uuid: c.id }, workspaceId: ws.workspace.id });
      const history = await (await get(`/${c.number}/messages?order=asc`)).json();
      expect(history.messages.map((m: { role: string }) => m.role)).toEqual(['tool', 'assistant']);
      const names = await (await ws.request(`/api/v2/w/${ws.workspace.id}/chats/tool-call-names`)).json();
      expect(names).toEqual(['lookup_order']);
    });

    it('refuses calls that do not match the tool or its schema, before running any', async () => {
      const { c, post, get } = await chatWithTools();
      const before = stub.requests.length;
      const res = await post(`/${c.number}/send-assistant-message`, {
        message: 'x',
        tool_calls: [
          { name: 'lookup_order', arguments: { orderId: 'B1', extra: 1 } },
          { name: 'lookup_order', arguments: {} },
          { name: 'nope' },
        ],
      });
      expect(res.status).toBe(400);
      const { error } = await res.json();
      expect(error.code).toBe('validation_failed');
      expect(error.issues.map((i: { path: string }) => i.path)).toEqual([
        'body.tool_calls.0.arguments.extra',
        'body.tool_calls.0.arguments.orderId',
        'body.tool_calls.1.arguments.orderId',
        'body.tool_calls.2.name',
      ]);
      expect(stub.requests.length).toBe(before);
      expect((await (await get(`/${c.number}/messages`)).json()).messages).toEqual([]);
    });

    it('answers 500 with the reason when a tool fails or times out, and records and sends nothing', async () => {
      const { c, post, get, ws, outbox } = await chatWithTools();
      const failing = await post(`/${c.number}/send-assistant-message`, { message: 'x', tool_calls: [{ name: 'lookup_order', arguments: { orderId: 'A1' } }, { name: 'broken' }] });
      expect(failing.status).toBe(500);
      expect((await failing.json()).error.message).toMatch(/Tool "broken" failed: HTTP 502: .*warehouse offline/);
      const slow = await post(`/${c.number}/send-assistant-message`, { message: 'x', tool_calls: [{ name: 'slow' }] });
      expect(slow.status).toBe(500);
      expect((await slow.json()).error.message).toMatch(/Tool "slow" failed: no answer within 200 ms/);
      expect((await (await get(`/${c.number}/messages`)).json()).messages).toEqual([]);
      expect(await listDeliveries(t.db, ws.workspace.id)).toEqual([]);
      expect(outbox).toEqual([]);
    });

    it('lets a retry run again after a failing tool, under the same Idempotency-Key', async () => {
      const { c, post, ws } = await chatWithTools();
      const headers = { 'idempotency-key': 'retry-after-tool' };
      const body = { message: 'x', tool_calls: [{ name: 'slow' }] };
      expect((await post(`/${c.number}/send-assistant-message`, body, { headers })).status).toBe(500);
      await t.db.updateTable('chat_tools').set({ timeout_ms: 5000 }).where('chat_id', '=', c.id).where('name', '=', 'slow').execute();
      const retry = await post(`/${c.number}/send-assistant-message`, body, { headers });
      expect(retry.status).toBe(200);
      expect(retry.headers.get('idempotent-replayed')).toBeNull();
      expect(await listDeliveries(t.db, ws.workspace.id)).toHaveLength(1);
    });
  });

  describe('when the provider fails', () => {
    let twilio: Awaited<ReturnType<typeof startHttpStub>>;
    beforeAll(async () => {
      twilio = await startHttpStub((_req, res) => sendJson(res, 400, { code: 21211, message: "The 'To' number +15550001 is not a valid phone number.", status: 400 }));
    });
    afterAll(() => twilio.close());

    function failingSms(): Providers {
      const config = parseConfig({ SMS_PROVIDER: 'twilio', TWILIO_BASE_URL: twilio.url, TWILIO_ACCOUNT_SID: 'AC123', TWILIO_AUTH_TOKEN: 'secret', TWILIO_FROM: '+15550000' });
      return createProviders(config.providers, { log: () => {} });
    }

    it("answers 500 with the provider's reason and keeps the message with a failed delivery status", async () => {
      const { c, post, get, ws } = await (async () => {
        const s = await setup({ providers: failingSms() });
        return { ...s, c: await s.chat() };
      })();
      const res = await post(`/${c.number}/send-assistant-message`, { message: 'Hello' });
      expect(res.status).toBe(500);
      const { error } = await res.json();
      expect(error.code).toBe('internal');
      expect(error.message).toContain("Failed to send SMS via twilio: error 21211: The 'To' number +15550001 is not a valid phone number.");
      const history = await (await get(`/${c.number}/messages`)).json();
      expect(history.messages).toMatchObject([{ role: 'assistant', content: 'Hello', deliveryStatus: 'failed', deliveryError: expect.stringContaining('21211') }]);
      expect(error.message).toContain(history.messages[0].uuid);
      expect(await listDeliveries(t.db, ws.workspace.id)).toMatchObject([{ provider: 'twilio', status: 'failed', error: expect.stringContaining('21211') }]);
    });

    it('replays the failure for a retry with the same key and sends nothing twice', async () => {
      const s = await setup({ providers: failingSms() });
      const c = await s.chat();
      const headers = { 'idempotency-key': 'failing-send' };
      const before = twilio.requests.length;
      const first = await s.post(`/${c.number}/send-assistant-message`, { message: 'Hello' }, { headers });
      const retry = await s.post(`/${c.number}/send-assistant-message`, { message: 'Hello' }, { headers });
      expect(first.status).toBe(500);
      expect(retry.status).toBe(500);
      expect((await retry.json()).error.message).toBe((await first.json()).error.message);
      expect(twilio.requests.length - before).toBe(1);
      expect((await (await s.get(`/${c.number}/messages`)).json()).messages).toHaveLength(1);
    });
  });

  it('sends once per Idempotency-Key and replays the first response; another body under the key is a 422', async () => {
    const { ws, chat, post, outbox } = await setup();
    const c = await chat();
    const headers = { 'Idempotency-Key': 'send-1' };
    const first = await post(`/${c.number}/send-assistant-message`, { message: 'Once only' }, { headers });
    const retry = await post(`/${c.number}/send-assistant-message`, { message: 'Once only' }, { headers });
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(await first.json());
    expect(outbox).toHaveLength(1);
    expect(await listDeliveries(t.db, ws.workspace.id)).toHaveLength(1);
    const changed = await post(`/${c.number}/send-assistant-message`, { message: 'Twice?' }, { headers });
    expect(changed.status).toBe(422);
    expect((await changed.json()).error).toMatchObject({ code: 'idempotency_mismatch', issues: [{ path: 'header.idempotency-key' }] });
    // The key belongs to the workspace: another workspace may use the same one.
    const other = await setup();
    expect((await other.post(`/${(await other.chat()).number}/send-assistant-message`, { message: 'Once only' }, { headers })).status).toBe(200);
    expect((await post(`/${c.number}/send-assistant-message`, { message: 'x' }, { headers: { 'idempotency-key': 'has space' } })).status).toBe(400);
  });

  it('answers 409 while the first request with a key is still running', async () => {
    // At the service level: on PGlite an open transaction holds the only connection, so the in-flight
    // request here waits outside any transaction.
    const { ws } = await setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const scope = { principal: await authenticate(t.db, ws.keys.all), key: 'in-flight', operation: 'test:1', request: { a: 1 } };
    const first = withIdempotency(t.db, scope, (v) => v as string, async () => {
      await gate;
      return { ok: true, value: 'first' };
    });
    for (let i = 0; i < 100; i++) {
      const row = await t.db.selectFrom('idempotency_keys').select('state').where('key', '=', 'in-flight').where('workspace_id', '=', ws.workspace.id).executeTakeFirst();
      if (row) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const second = withIdempotency(t.db, scope, (v) => v as string, async () => ({ ok: true, value: 'second' }));
    await expect(second).rejects.toMatchObject({ code: 'conflict' });
    release();
    expect(await first).toEqual({ value: 'first', replayed: false });
    expect(await withIdempotency(t.db, scope, (v) => v as string, async () => ({ ok: true, value: 'third' }))).toEqual({ value: 'first', replayed: true });
    await expect(withIdempotency(t.db, { ...scope, request: { a: 2 } }, (v) => v, async () => ({ ok: true, value: 'x' }))).rejects.toMatchObject({ code: 'idempotency_mismatch' });
  });

  it('keeps the order of concurrent sends to one chat, in the history and in delivery', async () => {
    const sent: string[] = [];
    const base = outboxProviders().providers;
    const providers: Providers = {
      ...base,
      sms: {
        provider: 'recorder',
        send: async (m) => {
          await new Promise((r) => setTimeout(r, 5));
          sent.push(m.body);
          return { status: 'sent', providerMessageId: null };
        },
      },
    };
    const { chat, post, get } = await setup({ providers });
    const c = await chat();
    const bodies = Array.from({ length: 6 }, (_, i) => `message ${i}`);
    const responses = await Promise.all(bodies.map((message) => post(`/${c.number}/send-assistant-message`, { message })));
    expect(responses.map((r) => r.status)).toEqual(bodies.map(() => 200));
    const history = await (await get(`/${c.number}/messages?order=asc`)).json();
    const recorded = history.messages.map((m: { content: string }) => m.content);
    expect([...recorded].sort()).toEqual(bodies);
    expect(sent).toEqual(recorded);
    const ids = history.messages.map((m: { id: number }) => m.id);
    expect(ids).toEqual([...ids].sort((a: number, b: number) => a - b));
  });
});

describe('POST .../chats/{chat_id}/summarize', () => {
  async function chatWithConversation(s: Awaited<ReturnType<typeof setup>>, ownerId?: string) {
    const c = await s.chat({ ownerId, title: 'Untitled' });
    const lines: Array<['user' | 'assistant', string]> = [
      ['user', 'Hi there.'],
      ['user', 'My invoice for the premium plan was charged twice this month.'],
      ['assistant', 'Sorry about that! Let me check the invoice and the charge.'],
      ['user', 'The double charge appeared on my credit card yesterday.'],
      ['assistant', 'I found the duplicate charge on the invoice and started a refund to your card.'],
      ['user', 'Thanks.'],
    ];
    for (const [role, content] of lines) expect((await s.post(`/${c.number}/messages`, { role, content })).status).toBe(201);
    return c;
  }

  it('stores a summary, a new title and summary_updated_at, and returns the chat', async () => {
    const s = await setup();
    const c = await chatWithConversation(s);
    const res = await s.post(`/${c.number}/summarize`, undefined);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ id: c.number, uuid: c.id, labels: [] });
    expect(body.title).not.toBe('Untitled');
    expect(body.title.length).toBeLessThanOrEqual(80);
    expect(body.summary).toMatch(/charge/);
    // The seed's name, and the camelCase alias holding the same instant.
    expect(Date.parse(body.summary_updated_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(body.summaryUpdatedAt).toBe(body.summary_updated_at);
    expect(await s.getChat(c.number)).toEqual(body);
    // Deterministic: the same conversation gives the same summary.
    expect((await (await s.post(`/${c.number}/summarize`, undefined)).json()).summary).toBe(body.summary);
  });

  it("sets labels from the workspace's definitions with update_labels=true, and only then", async () => {
    const s = await setup();
    const c = await chatWithConversation(s);
    await insertLabel(t.db, { workspaceId: s.ws.workspace.id, name: 'billing', keywords: ['invoice', 'charged'] });
    await insertLabel(t.db, { workspaceId: s.ws.workspace.id, name: 'refund' });
    await insertLabel(t.db, { workspaceId: s.ws.workspace.id, name: 'shipping', keywords: ['parcel', 'delivery'] });
    const stale = await insertLabel(t.db, { workspaceId: s.ws.workspace.id, name: 'stale' });
    await t.db.insertInto('chat_labels').values({ chat_id: c.id, label_id: stale.id }).execute();
    expect((await (await s.post(`/${c.number}/summarize`, undefined)).json()).labels).toEqual(['stale']);
    expect((await (await s.post(`/${c.number}/summarize?update_labels=false`, undefined)).json()).labels).toEqual(['stale']);
    const res = await s.post(`/${c.number}/summarize?update_labels=true`, undefined);
    expect(res.status).toBe(200);
    expect((await res.json()).labels).toEqual(['billing', 'refund']);
    expect((await s.post(`/${c.number}/summarize?update_labels=yes`, undefined)).status).toBe(400);
  });

  it("needs chats:write even on one's own chat, and answers 404 for a chat out of the member's reach", async () => {
    const s = await setup();
    const own = await chatWithConversation(s, s.ws.member.identityId);
    const others = await chatWithConversation(s);
    const denied = await s.post(`/${own.number}/summarize`, undefined, { key: await s.memberKey(['chats:read']) });
    expect(denied.status).toBe(403);
    expect((await denied.json()).error.message).toMatch(/chats:write/);
    const writeKey = await s.memberKey(['chats:write']);
    expect((await s.post(`/${own.number}/summarize`, undefined, { key: writeKey })).status).toBe(200);
    expect((await s.post(`/${others.number}/summarize`, undefined, { key: writeKey })).status).toBe(404);
    expect((await s.post(`/${others.number}/summarize`, undefined, { key: s.ws.keys.write })).status).toBe(200);
    expect((await s.post(`/${own.number}/summarize`, undefined, { key: s.ws.keys.statistics })).status).toBe(403);
  });

  it("answers 404 for another workspace's chat and 400 for a chat without messages", async () => {
    const s = await setup();
    const other = await setup();
    const foreign = await chatWithConversation(other);
    expect((await s.post(`/${foreign.number}/summarize`, undefined)).status).toBe(404);
    const empty = await s.post(`/${(await s.chat()).number}/summarize`, undefined);
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.message).toMatch(/no messages/);
  });

  it('answers 500 and leaves the chat unchanged when the summarizer fails', async () => {
    const base = outboxProviders().providers;
    const providers: Providers = { ...base, summarizer: { provider: 'broken', summarize: async () => Promise.reject(new Error('model overloaded')) } };
    const s = await setup({ providers });
    const c = await chatWithConversation(s);
    const before = await s.getChat(c.number);
    const res = await s.post(`/${c.number}/summarize?update_labels=true`, undefined);
    expect(res.status).toBe(500);
    expect((await res.json()).error.message).toMatch(/AI summarization failed: model overloaded/);
    expect(await s.getChat(c.number)).toEqual(before);
  });

  it('replays the first response for a retry with the same Idempotency-Key', async () => {
    const s = await setup();
    const c = await chatWithConversation(s);
    const headers = { 'idempotency-key': 'sum-1' };
    const first = await (await s.post(`/${c.number}/summarize`, undefined, { headers })).json();
    await s.post(`/${c.number}/messages`, { role: 'user', content: 'Also my shipping address changed.' });
    const retry = await s.post(`/${c.number}/summarize`, undefined, { headers });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(first);
    expect((await s.post(`/${c.number}/summarize?update_labels=true`, undefined, { headers })).status).toBe(422);
  });
});

describe('the outbox', () => {
  it('keeps every delivery with its payload and status', async () => {
    const { ws, chat, post } = await setup();
    const c = await chat();
    await post(`/${c.number}/send-assistant-message`, { message: 'First' });
    await post(`/${c.number}/send-assistant-message`, { message: 'Second' });
    const queued = await listDeliveries(t.db, ws.workspace.id, { status: 'queued' });
    expect(queued.map((d) => d.payload.body)).toEqual(['First', 'Second']);
    const count = await sql<{ n: number }>`select count(*)::int as n from deliveries where workspace_id = ${ws.workspace.id}`.execute(t.db);
    expect(count.rows[0]!.n).toBe(2);
  });
});

describe('the OpenAPI document', () => {
  it('describes the chat actions with their idempotency header and error responses', async () => {
    const app = createLocalApp({ db: () => Promise.reject(new Error('no database in this test')) });
    const doc = (await (await app.request('/openapi.json')).json()) as any;
    const base = '/api/v2/w/{workspace_uuid}/chats/{chat_id}';
    const operations: Array<[string, string]> = [
      ['post', '/participants'], ['post', '/send-assistant-message'], ['post', '/summarize'], ['get', '/messages'],
      ['post', '/messages'], ['post', '/messages/{uuid}/rate'], ['get', '/tools'],
    ];
    for (const [method, path] of operations) {
      const op = doc.paths[`${base}${path}`]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '404', '500']));
      expect(op.parameters.find((p: { name: string }) => p.name === 'chat_id').schema.type).toBe('integer');
    }
    for (const path of ['/participants', '/send-assistant-message', '/summarize', '/messages']) {
      const op = doc.paths[`${base}${path}`].post;
      expect(op.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toContain('header:idempotency-key');
      expect(op.responses['422']).toBeDefined();
    }
    expect(doc.paths[`${base}/summarize`].post.parameters.find((p: { name: string }) => p.name === 'update_labels')).toBeDefined();
  });
});
