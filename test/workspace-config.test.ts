import { insertChat } from '@parley/db';
import { describe, expect, it } from 'vitest';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// The workspace's configuration through the API: channels, assistants with versions, squads, chat
// tools, label definitions and the call records of chats; unique names, other workspaces' ids, and
// bad input on every operation.

const t = useTestDb();

const expectStatus = async (res: Response, status: number) => {
  expect(res.status, await res.clone().text()).toBe(status);
  return (res as unknown as { json(): Promise<any> }).json();
};

async function v2Chat(ws: TestWorkspace, channelId: string) {
  return insertChat(t.db, {
    workspaceId: ws.workspace.id, channelId, ownerId: ws.contact.identityId, responderId: ws.agent.identityId,
    currentResponderId: ws.agent.identityId, responderVersionId: ws.agent.currentVersionId, title: 'A chat',
  });
}

describe('channels', () => {
  it('creates, lists by type, updates the responder and notifications, and deletes a channel without chats', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/channels`;
    const mail = await expectStatus(await ws.request(base, { method: 'POST', body: { type: 'email', name: 'Billing inbox', responderId: ws.squad.identityId, notificationsEnabled: false } }), 201);
    expect(mail).toMatchObject({ type: 'email', enabled: true, notificationsEnabled: false, responder: { id: ws.squad.identityId, kind: 'squad', name: 'Tier 1' } });
    expect((await expectStatus(await ws.request(`${base}?type=email,sms`), 200)).channels.map((c: { name: string }) => c.name)).toEqual(['Billing inbox', 'sms channel']);
    const updated = await expectStatus(await ws.request(`${base}/${mail.id}`, { method: 'PATCH', body: { responderId: ws.agent.identityId, notificationsEnabled: true, enabled: false } }), 200);
    expect(updated).toMatchObject({ enabled: false, notificationsEnabled: true, responder: { id: ws.agent.identityId, kind: 'agent' } });
    expect((await expectStatus(await ws.request(`${base}?enabled=false`), 200)).channels.map((c: { id: string }) => c.id)).toEqual([mail.id]);
    // A new v1 chat on it is answered by the new responder.
    const chat = await expectStatus(await ws.request('/api/v1/chats', { method: 'POST', body: { ownerId: ws.contact.identityId, channelId: mail.id, title: null } }), 200);
    expect(chat.responderId).toBe(ws.agent.identityId);
    const refused = await expectStatus(await ws.request(`${base}/${mail.id}`, { method: 'DELETE' }), 409);
    expect(refused.error.message).toContain('disable it instead');
    const spare = await expectStatus(await ws.request(base, { method: 'POST', body: { type: 'api', name: 'Spare', responderId: ws.agent.identityId } }), 201);
    await expectStatus(await ws.request(`${base}/${spare.id}`, { method: 'DELETE' }), 200);
    await expectStatus(await ws.request(`${base}/${spare.id}`), 404);
  });

  it('answers 409 for a taken name in any letter case, and checks the responder', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/channels`;
    const taken = await expectStatus(await ws.request(base, { method: 'POST', body: { type: 'sms', name: 'SMS CHANNEL', responderId: ws.agent.identityId } }), 409);
    expect(taken.error).toMatchObject({ code: 'conflict', issues: [{ path: 'body.name', message: 'is taken' }] });
    await expectStatus(await ws.request(`${base}/${ws.channels.api.id}`, { method: 'PATCH', body: { name: 'Whatsapp Channel' } }), 409);
    const contact = await expectStatus(await ws.request(base, { method: 'POST', body: { type: 'sms', name: 'X', responderId: ws.contact.identityId } }), 400);
    expect(contact.error.issues).toEqual([{ path: 'body.responderId', message: 'refers to a contact' }]);
    const other = await createTestWorkspace(t.db);
    await expectStatus(await ws.request(base, { method: 'POST', body: { type: 'sms', name: 'Y', responderId: other.agent.identityId } }), 404);
    await expectStatus(await ws.request(`${base}/${other.channels.sms.id}`), 404);
    await expectStatus(await ws.request(`${base}/${other.channels.sms.id}`, { method: 'PATCH', body: { name: 'Mine now' } }), 404);
  });
});

describe('assistants, versions and squads', () => {
  it('creates an assistant, versions it, rolls back, and shows which version answered a chat', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/assistants`;
    const bot = await expectStatus(await ws.request(base, { method: 'POST', body: { name: 'Returns Bot', description: 'Handles returns', config: { model: 'gpt-4o-mini', language: 'en' } } }), 201);
    expect(bot).toMatchObject({ memberId: expect.any(Number), currentVersion: { number: 1, config: { model: 'gpt-4o-mini', language: 'en' } }, versionCount: 1 });
    const channel = await expectStatus(await ws.request(`/api/v2/w/${ws.workspace.id}/channels`, { method: 'POST', body: { type: 'widget', name: 'Returns widget', responderId: bot.id } }), 201);
    const first = await expectStatus(await ws.request('/api/v1/chats', { method: 'POST', body: { ownerId: ws.contact.identityId, channelId: channel.id, title: 'v1' } }), 200);

    const v2 = await expectStatus(await ws.request(`${base}/${bot.id}`, { method: 'PATCH', body: { config: { model: 'gpt-4o', instructions: 'Be brief.' } } }), 200);
    expect(v2.currentVersion).toMatchObject({ number: 2, config: { model: 'gpt-4o', instructions: 'Be brief.' } });
    const second = await expectStatus(await ws.request('/api/v1/chats', { method: 'POST', body: { ownerId: ws.contact.identityId, channelId: channel.id, title: 'v2' } }), 200);
    const version = async (chatId: string) => (await expectStatus(await ws.request(`/api/v1/chats/${chatId}/details`), 200)).responderVersionNumber;
    expect([await version(first.id), await version(second.id)]).toEqual([1, 2]);

    const draft = await expectStatus(await ws.request(`${base}/${bot.id}/versions`, { method: 'POST', body: { config: { model: 'o3' }, makeCurrent: false } }), 201);
    expect(draft).toMatchObject({ number: 3, current: false });
    const versions = await expectStatus(await ws.request(`${base}/${bot.id}/versions?limit=2`), 200);
    expect(versions.versions.map((v: { number: number; current: boolean }) => [v.number, v.current])).toEqual([[3, false], [2, true]]);
    const older = await expectStatus(await ws.request(`${base}/${bot.id}/versions?limit=2&cursor=${encodeURIComponent(versions.nextCursor)}`), 200);
    expect(older).toMatchObject({ versions: [{ number: 1 }], hasMore: false, nextCursor: null });
    const rolledBack = await expectStatus(await ws.request(`${base}/${bot.id}`, { method: 'PATCH', body: { currentVersionId: bot.currentVersion.id } }), 200);
    expect(rolledBack.currentVersion.number).toBe(1);
    expect(await expectStatus(await ws.request(`${base}/${bot.id}/versions/${draft.id}`), 200)).toMatchObject({ number: 3, config: { model: 'o3' } });
    await expectStatus(await ws.request(`${base}/${bot.id}/versions/${ws.agent.currentVersionId}`), 404);
    // It answers chats now: it stays.
    expect((await expectStatus(await ws.request(`${base}/${bot.id}`, { method: 'DELETE' }), 409)).error.message).toContain('answers 2 chats');
    const idle = await expectStatus(await ws.request(base, { method: 'POST', body: { name: 'Idle Bot' } }), 201);
    await expectStatus(await ws.request(`${base}/${idle.id}`, { method: 'DELETE' }), 200);
    expect((await expectStatus(await ws.request(`${base}?search=bot`), 200)).assistants.map((a: { name: string }) => a.name)).toEqual(['Helper Bot', 'Returns Bot', 'Sales Bot']);
  });

  it('keeps assistant and squad names unique together, and squads of this workspace’s assistants only', async () => {
    const ws = await createTestWorkspace(t.db);
    const other = await createTestWorkspace(t.db);
    const assistants = `/api/v2/w/${ws.workspace.id}/assistants`;
    const squads = `/api/v2/w/${ws.workspace.id}/squads`;
    await expectStatus(await ws.request(assistants, { method: 'POST', body: { name: 'helper bot' } }), 409);
    await expectStatus(await ws.request(assistants, { method: 'POST', body: { name: 'TIER 1' } }), 409);
    await expectStatus(await ws.request(squads, { method: 'POST', body: { name: 'Sales Bot' } }), 409);
    const bad = await expectStatus(await ws.request(squads, { method: 'POST', body: { name: 'Mixed', assistantIds: [ws.agent.identityId, other.agent.identityId] } }), 400);
    expect(bad.error.issues).toEqual([{ path: 'body.assistantIds.1', message: 'is not an assistant of this workspace' }]);
    const squad = await expectStatus(await ws.request(squads, { method: 'POST', body: { name: 'Night Shift', assistantIds: [ws.otherAgent.identityId] } }), 201);
    expect(squad.assistants).toEqual([{ id: ws.otherAgent.identityId, memberId: ws.otherAgent.memberId, name: 'Sales Bot' }]);
    const changed = await expectStatus(await ws.request(`${squads}/${squad.id}`, { method: 'PATCH', body: { assistantIds: [ws.agent.identityId, ws.otherAgent.identityId], description: 'Nights' } }), 200);
    expect(changed.assistants.map((a: { name: string }) => a.name)).toEqual(['Helper Bot', 'Sales Bot']);
    await expectStatus(await ws.request(`${squads}/${ws.squad.identityId}`, { method: 'DELETE' }), 409);
    await expectStatus(await ws.request(`${squads}/${squad.id}`, { method: 'DELETE' }), 200);
    await expectStatus(await ws.request(`${squads}/${other.squad.identityId}`), 404);
    await expectStatus(await ws.request(`${assistants}/${other.agent.identityId}`, { method: 'PATCH', body: { name: 'Mine' } }), 404);
  });
});

describe('chat tools and label definitions', () => {
  it('creates a workspace tool every chat can call, checks its parameters as a JSON Schema, and refuses taken names', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/tools`;
    const tool = await expectStatus(
      await ws.request(base, { method: 'POST', body: { name: 'check_stock', description: 'Stock by SKU', parameters: { type: 'object', properties: { sku: { type: 'string' } } }, callbackUrl: 'https://tools.example/stock', timeoutMs: 3000 } }),
      201,
    );
    expect(tool).toMatchObject({ name: 'check_stock', parameters: { type: 'object' }, timeoutMs: 3000 });
    const chat = await v2Chat(ws, ws.channels.sms.id);
    const chatTools = await expectStatus(await ws.request(`/api/v2/w/${ws.workspace.id}/chats/${chat.number}/tools`), 200);
    expect(chatTools.tools.map((x: { name: string }) => x.name)).toEqual(['check_stock']);
    await expectStatus(await ws.request(base, { method: 'POST', body: { name: 'CHECK_STOCK', callbackUrl: 'https://tools.example/x' } }), 409);
    const schema = await expectStatus(await ws.request(base, { method: 'POST', body: { name: 'bad', callbackUrl: 'https://tools.example/x', parameters: { type: 'object', properties: { a: { type: 'strin' } } } } }), 400);
    expect(schema.error.issues[0].path).toMatch(/^body\.parameters/);
    const notObject = await expectStatus(await ws.request(base, { method: 'POST', body: { name: 'bad', callbackUrl: 'https://tools.example/x', parameters: { type: 'string' } } }), 400);
    expect(notObject.error.issues).toEqual([{ path: 'body.parameters.type', message: expect.stringContaining('"object"') }]);
    const updated = await expectStatus(await ws.request(`${base}/${tool.id}`, { method: 'PATCH', body: { timeoutMs: null, description: null } }), 200);
    expect(updated).toMatchObject({ timeoutMs: null, description: null });
    await expectStatus(await ws.request(`${base}/${tool.id}`, { method: 'DELETE' }), 200);
    expect((await expectStatus(await ws.request(`/api/v2/w/${ws.workspace.id}/chats/${chat.number}/tools`), 200)).tools).toEqual([]);
  });

  it('creates label definitions that summaries choose from, renames them and deletes them off every chat', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/labels`;
    const label = await expectStatus(await ws.request(base, { method: 'POST', body: { name: 'refund', description: 'Money back', keywords: ['refund', 'money back'], color: '#ff0000' } }), 201);
    expect(label).toMatchObject({ name: 'refund', keywords: ['refund', 'money back'], color: '#ff0000', chatCount: 0 });
    await expectStatus(await ws.request(base, { method: 'POST', body: { name: 'Refund' } }), 409);
    const chat = await v2Chat(ws, ws.channels.sms.id);
    const chatPath = `/api/v2/w/${ws.workspace.id}/chats/${chat.number}`;
    await expectStatus(await ws.request(`${chatPath}/messages`, { method: 'POST', body: { role: 'user', content: 'I want a refund for the blender.' } }), 201);
    expect((await expectStatus(await ws.request(`${chatPath}/summarize?update_labels=true`, { method: 'POST' }), 200)).labels).toEqual(['refund']);
    await expectStatus(await ws.request(`${base}/${label.id}`, { method: 'PATCH', body: { name: 'refunds' } }), 200);
    const listed = await expectStatus(await ws.request(`/api/v2/w/${ws.workspace.id}/chats`), 200);
    expect(listed.chats[0].labels).toEqual(['refunds']);
    expect((await expectStatus(await ws.request(`${base}/${label.id}`), 200)).chatCount).toBe(1);
    await expectStatus(await ws.request(`${base}/${label.id}`, { method: 'DELETE' }), 200);
    expect((await expectStatus(await ws.request(`/api/v2/w/${ws.workspace.id}/chats`), 200)).chats[0].labels).toEqual([]);
  });
});

describe('call records', () => {
  it('records, lists, updates and deletes the calls of a chat, and keeps the chat’s totals', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await v2Chat(ws, ws.channels.sms.id);
    const base = `/api/v2/w/${ws.workspace.id}/chats/${chat.number}/calls`;
    const first = await expectStatus(await ws.request(base, { method: 'POST', body: { startedAt: '2026-11-30T10:00:00Z', endedAt: '2026-11-30T10:02:30+01:00' } }), 400);
    expect(first.error.issues).toEqual([{ path: 'body.endedAt', message: 'is before startedAt' }]);
    const a = await expectStatus(await ws.request(base, { method: 'POST', body: { startedAt: '2026-11-30T10:00:00Z', endedAt: '2026-11-30T10:02:30Z', outcome: 'customer-ended-call', userInputs: 3 } }), 201);
    expect(a).toMatchObject({ direction: 'inbound', durationSeconds: 150 });
    const b = await expectStatus(await ws.request(base, { method: 'POST', body: { direction: 'outbound', startedAt: '2026-11-30T11:00:00Z', durationSeconds: 50, transferTarget: 'sales' } }), 201);
    const totals = async () =>
      t.db.selectFrom('chats').select(['call_duration_seconds', 'call_end_reason', 'call_transfer_target', 'call_user_inputs']).where('id', '=', chat.id).executeTakeFirstOrThrow();
    expect(await totals()).toEqual({ call_duration_seconds: 200, call_end_reason: null, call_transfer_target: 'sales', call_user_inputs: 3 });
    const page = await expectStatus(await ws.request(`${base}?limit=1`), 200);
    expect(page.calls.map((c: { id: string }) => c.id)).toEqual([a.id]);
    const next = await expectStatus(await ws.request(`${base}?limit=1&cursor=${encodeURIComponent(page.nextCursor)}`), 200);
    expect(next).toMatchObject({ calls: [{ id: b.id }], hasMore: false });
    const ended = await expectStatus(await ws.request(`${base}/${b.id}`, { method: 'PATCH', body: { outcome: 'transferred', endedAt: '2026-11-30T11:01:40Z', durationSeconds: null } }), 200);
    expect(ended).toMatchObject({ durationSeconds: 100, outcome: 'transferred' });
    expect(await totals()).toMatchObject({ call_duration_seconds: 250, call_end_reason: 'transferred' });
    await expectStatus(await ws.request(`${base}/${b.id}`, { method: 'DELETE' }), 200);
    expect(await totals()).toEqual({ call_duration_seconds: 150, call_end_reason: 'customer-ended-call', call_transfer_target: null, call_user_inputs: 3 });
    await expectStatus(await ws.request(`${base}/${b.id}`), 404);
    const other = await createTestWorkspace(t.db);
    await expectStatus(await other.request(`/api/v2/w/${other.workspace.id}/chats/${chat.number}/calls`), 404);
  });
});

describe('bad input on every new operation', () => {
  it('answers 400 with the error shape', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await v2Chat(ws, ws.channels.sms.id);
    const w = `/api/v2/w/${ws.workspace.id}`;
    const call = await expectStatus(await ws.request(`${w}/chats/${chat.number}/calls`, { method: 'POST', body: { startedAt: '2026-11-30T10:00:00Z' } }), 201);
    const tool = await expectStatus(await ws.request(`${w}/tools`, { method: 'POST', body: { name: 't1', callbackUrl: 'https://x.example/t' } }), 201);
    const label = await expectStatus(await ws.request(`${w}/labels`, { method: 'POST', body: { name: 'l1' } }), 201);
    const id = {
      contact: ws.contact.identityId, channel: ws.channels.sms.id, assistant: ws.agent.identityId, version: ws.agent.currentVersionId,
      squad: ws.squad.identityId, tool: tool.id, label: label.id, call: call.id,
    };
    const cases: Array<[string, string, unknown, string]> = [
      ['GET', `${w}/contacts?limit=101`, undefined, 'query.limit'],
      ['POST', `${w}/contacts`, { name: 'A', link: 'ftp://x' }, 'body.link'],
      ['GET', `${w}/contacts/x`, undefined, 'path.contact_id'],
      ['PATCH', `${w}/contacts/${id.contact}`, { ip: '999.1.1.1' }, 'body.ip'],
      ['DELETE', `${w}/contacts/x`, undefined, 'path.contact_id'],
      ['GET', `${w}/channels?type=fax`, undefined, 'query.type'],
      ['POST', `${w}/channels`, { type: 'fax', name: 'F', responderId: id.assistant }, 'body.type'],
      ['GET', `${w}/channels/x`, undefined, 'path.channel_id'],
      ['PATCH', `${w}/channels/${id.channel}`, { enabled: 'no' }, 'body.enabled'],
      ['DELETE', `${w}/channels/x`, undefined, 'path.channel_id'],
      ['GET', `${w}/assistants?search=${'x'.repeat(201)}`, undefined, 'query.search'],
      ['POST', `${w}/assistants`, { name: 'B', config: { language: 'English' } }, 'body.config.language'],
      ['GET', `${w}/assistants/x`, undefined, 'path.assistant_id'],
      ['PATCH', `${w}/assistants/${id.assistant}`, { config: { model: 'a' }, currentVersionId: id.version }, 'body.currentVersionId'],
      ['DELETE', `${w}/assistants/x`, undefined, 'path.assistant_id'],
      ['GET', `${w}/assistants/${id.assistant}/versions?cursor=nope`, undefined, 'query.cursor'],
      ['POST', `${w}/assistants/${id.assistant}/versions`, { config: { knowledge_scope: 'some' } }, 'body.config.knowledge_scope'],
      ['GET', `${w}/assistants/${id.assistant}/versions/x`, undefined, 'path.version_id'],
      ['GET', `${w}/squads?limit=abc`, undefined, 'query.limit'],
      ['POST', `${w}/squads`, { name: 'S', assistantIds: ['nope'] }, 'body.assistantIds.0'],
      ['GET', `${w}/squads/x`, undefined, 'path.squad_id'],
      ['PATCH', `${w}/squads/${id.squad}`, { name: '' }, 'body.name'],
      ['DELETE', `${w}/squads/x`, undefined, 'path.squad_id'],
      ['GET', `${w}/tools?extra=1`, undefined, 'query.extra'],
      ['POST', `${w}/tools`, { name: 'has space', callbackUrl: 'https://x.example' }, 'body.name'],
      ['GET', `${w}/tools/x`, undefined, 'path.tool_id'],
      ['PATCH', `${w}/tools/${id.tool}`, { timeoutMs: 50 }, 'body.timeoutMs'],
      ['DELETE', `${w}/tools/x`, undefined, 'path.tool_id'],
      ['GET', `${w}/labels?cursor=${'a'.repeat(2001)}`, undefined, 'query.cursor'],
      ['POST', `${w}/labels`, { name: 'c', color: 'red' }, 'body.color'],
      ['GET', `${w}/labels/x`, undefined, 'path.label_id'],
      ['PATCH', `${w}/labels/${id.label}`, { keywords: 'refund' }, 'body.keywords'],
      ['DELETE', `${w}/labels/x`, undefined, 'path.label_id'],
      ['GET', `${w}/chats/${chat.number}/calls?limit=0`, undefined, 'query.limit'],
      ['POST', `${w}/chats/${chat.number}/calls`, { startedAt: '2026-11-30T10:00:00' }, 'body.startedAt'],
      ['GET', `${w}/chats/${chat.number}/calls/x`, undefined, 'path.call_id'],
      ['PATCH', `${w}/chats/${chat.number}/calls/${id.call}`, { direction: 'sideways' }, 'body.direction'],
      ['DELETE', `${w}/chats/${chat.number}/calls/x`, undefined, 'path.call_id'],
      ['POST', `${w}/chats/${chat.number}/messages`, { role: 'user', content: 'hi', intent: { name: 'x', score: 2 } }, 'body.intent.score'],
    ];
    for (const [method, path, body, issue] of cases) {
      const res = await ws.request(path, { method, body });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}: ${await res.clone().text()}`).toBe(400);
      const { error } = await res.json();
      expect(error).toMatchObject({ code: 'validation_failed', message: expect.any(String), requestId: expect.any(String) });
      expect(error.issues.map((i: { path: string }) => i.path), `${method} ${path}`).toContain(issue);
    }
  });
});
