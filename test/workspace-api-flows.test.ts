import { createApiKey, parseConfig, provisionWorkspace, rollupStatistics, SCOPES } from '@parley/core';
import { createProviders } from '@parley/core/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { useTestDb } from './harness/db.js';
import type { ApiResponse } from './harness/workspace.js';
import { sendJson, startHttpStub } from './support/http-stub.js';

// Issue 13's "done": a workspace set up through the API only (contacts, channels, an assistant, a tool
// and labels), then the seed flows on what it made: a v1 chat for the new contact, an assistant message
// calling the new tool, a summary choosing the new labels, and a call that the statistics show after a rollup.

const t = useTestDb();
let stub: Awaited<ReturnType<typeof startHttpStub>>;

beforeAll(async () => {
  stub = await startHttpStub((req, res) => {
    const call = JSON.parse(req.body);
    sendJson(res, 200, { orderId: call.arguments.orderId, status: 'shipped', eta: '2026-12-05' });
  });
});
afterAll(async () => stub?.close());

async function freshWorkspace() {
  const { workspace, admin } = await provisionWorkspace(t.db, { name: 'Set up by API', timeZone: 'Europe/Berlin', adminName: 'Ida Integrator' });
  const { token } = await createApiKey(t.db, { workspaceId: workspace.id, memberId: admin.id, scopes: [...SCOPES] });
  const providers = createProviders(parseConfig({}).providers, { log: () => {} });
  const app = createLocalApp({ db: async () => t.db, providers: () => providers });
  const call = async (method: string, path: string, body?: unknown, expected?: number) => {
    const res = (await app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })) as ApiResponse;
    if (expected !== undefined) expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(expected);
    return res;
  };
  return { workspace, call, ws: `/api/v2/w/${workspace.id}` };
}

describe('a workspace set up through the API only', () => {
  it('runs the seed flows on the contacts, channels, assistant, tool and labels it created', async () => {
    const { workspace, call, ws } = await freshWorkspace();

    const assistant = await (await call('POST', `${ws}/assistants`, { name: 'Order Bot', config: { model: 'gpt-4o-mini', language: 'en' } }, 201)).json();
    expect(assistant).toMatchObject({ name: 'Order Bot', currentVersion: { number: 1, config: { model: 'gpt-4o-mini' } }, versionCount: 1 });
    const sms = await (await call('POST', `${ws}/channels`, { type: 'sms', name: 'SMS line', responderId: assistant.id }, 201)).json();
    const voice = await (await call('POST', `${ws}/channels`, { type: 'voice', name: 'Phone line', responderId: assistant.id }, 201)).json();
    expect(sms).toMatchObject({ type: 'sms', enabled: true, notificationsEnabled: true, responder: { id: assistant.id, kind: 'agent', name: 'Order Bot' } });
    const contact = await (await call('POST', `${ws}/contacts`, { name: 'Paula Perez', phone: '+34600111222', email: 'paula@example.test' }, 201)).json();
    const tool = await (
      await call(
        'POST',
        `${ws}/tools`,
        {
          name: 'lookup_order',
          description: 'Finds an order by its id',
          parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'], additionalProperties: false },
          callbackUrl: `${stub.url}/tools/lookup`,
          timeoutMs: 5000,
        },
        201,
      )
    ).json();
    await call('POST', `${ws}/labels`, { name: 'shipping', description: 'Deliveries and parcels', keywords: ['parcel', 'delivery'] }, 201);
    await call('POST', `${ws}/labels`, { name: 'refund', description: 'Money back' }, 201);

    // A v1 chat for the new contact on the new channel, answered by the new assistant's version 1.
    const chat = await (await call('POST', '/api/v1/chats', { ownerId: contact.id, channelId: sms.id, title: 'Where is my parcel?' }, 200)).json();
    expect(chat).toMatchObject({ ownerId: contact.id, responderId: assistant.id, channelId: sms.id });
    const details = await (await call('GET', `/api/v1/chats/${chat.id}/details`, undefined, 200)).json();
    expect(details).toMatchObject({ ownerName: 'Paula Perez', responderName: 'Order Bot', responderVersionId: assistant.currentVersion.id, responderVersionNumber: 1 });
    const listed = await (await call('GET', `${ws}/chats`, undefined, 200)).json();
    const number = listed.chats.find((c: { uuid: string }) => c.uuid === chat.id).id as number;
    const v2 = `${ws}/chats/${number}`;

    // The tool is the chat's, and send-assistant-message calls it on the local server.
    expect((await (await call('GET', `${v2}/tools`, undefined, 200)).json()).tools.map((x: { id: string }) => x.id)).toEqual([tool.id]);
    await call('POST', `${v2}/messages`, { role: 'user', content: 'My parcel A-17 has not arrived, where is the delivery?' }, 201);
    const sent = await (
      await call('POST', `${v2}/send-assistant-message`, { message: 'Your parcel ships today.', tool_calls: [{ id: 'c1', name: 'lookup_order', arguments: { orderId: 'A-17' } }] }, 200)
    ).json();
    expect(sent.toolResults.map((m: { content: string }) => JSON.parse(m.content))).toEqual([{ orderId: 'A-17', status: 'shipped', eta: '2026-12-05' }]);
    expect(sent.delivery).toMatchObject({ channel: 'sms', recipient: '+34600111222' });
    expect(JSON.parse(stub.requests.at(-1)!.body)).toMatchObject({ tool: 'lookup_order', callId: 'c1', arguments: { orderId: 'A-17' }, chat: { id: number, uuid: chat.id } });
    // Arguments outside the tool's parameters are refused before anything runs.
    const refused = await call('POST', `${v2}/send-assistant-message`, { message: 'x', tool_calls: [{ name: 'lookup_order', arguments: { order: 1 } }] }, 400);
    expect((await refused.json()).error.code).toBe('validation_failed');

    // Summarize with update_labels: the labels come from the new definitions.
    const summarized = await (await call('POST', `${v2}/summarize?update_labels=true`, undefined, 200)).json();
    expect(summarized.labels).toEqual(['shipping']);
    expect((await (await call('GET', `${ws}/labels?search=ship`, undefined, 200)).json()).labels[0]).toMatchObject({ name: 'shipping', chatCount: 1 });

    // A call on a voice chat of the contact, with the message metadata the statistics read; a rollup later the reports show them.
    const phone = await (await call('POST', '/api/v1/chats', { ownerId: contact.id, channelId: voice.id, title: 'Call' }, 200)).json();
    const phoneNumber = (await (await call('GET', `${ws}/chats`, undefined, 200)).json()).chats.find((c: { uuid: string }) => c.uuid === phone.id).id as number;
    const startedAt = new Date(Date.now() - 10 * 60_000);
    const recorded = await (
      await call(
        'POST',
        `${ws}/chats/${phoneNumber}/calls`,
        { direction: 'inbound', startedAt: startedAt.toISOString(), endedAt: new Date(startedAt.getTime() + 185_000).toISOString(), outcome: 'transferred', exitStep: 'handoff', transferTarget: 'billing-desk', userInputs: 4 },
        201,
      )
    ).json();
    expect(recorded).toMatchObject({ durationSeconds: 185, outcome: 'transferred' });
    await call('POST', `${ws}/chats/${phoneNumber}/messages`, { role: 'user', content: 'Hola, quiero saber de mi pedido', language: 'es', intent: { name: 'order_status', score: 0.92 }, step: 'greeting' }, 201);
    await rollupStatistics(t.db);
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const stats = `/v1/chatbots/${assistant.id}/statistics/reports`;
    const channelReport = await (await call('GET', `${stats}/channel?channelId=${voice.id}&from=${from}&to=${to}&interval=86400&components=0,4,6,8,16,18,19,20,21,22`, undefined, 200)).json();
    expect(channelReport).toMatchObject({
      STEP_EXEC_COUNT_FOR_CHANNEL_ID: 1,
      CONVERSATION_LANGUAGES_FOR_CHANNEL_ID: [{ language: 'es', count: 1 }],
      INTENT_COUNT_FOR_CHANNEL_ID: 1,
      INTENT_SCORE_MEDIAN_FOR_CHANNEL_ID: 0.92,
      CALL_DURATION_TOTAL: 185,
      CALL_DURATION_MEDIAN: 185,
      CALL_EXIT_STEP: [{ step: 'handoff', count: 1 }],
      CALL_USER_INPUTS_MEDIAN: 4,
      CALL_END_REASON: [{ reason: 'transferred', count: 1 }],
      CALL_TRANSFER_TARGET: [{ target: 'billing-desk', count: 1 }],
    });
    const overview = await (await call('GET', `${stats}/overview?from=${from}&to=${to}&interval=86400&components=1,3,4,7`, undefined, 200)).json();
    expect(overview).toMatchObject({ CONVERSATION_COUNT: 2, MESSAGE_COUNT: 3 });
    expect(overview.CONVERSATION_BY_CHANNEL_TYPE).toEqual(expect.arrayContaining([{ channelType: 'sms', count: 1 }, { channelType: 'voice', count: 1 }]));
    expect(workspace.id).toBeTruthy();
  });
});
