import { readFileSync } from 'node:fs';
import { createParleyClient } from '@parley/client';
import { parseConfig } from '@parley/core';
import { createProviders } from '@parley/core/providers';
import { insertChat } from '@parley/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { CLIENT_SCHEMA_FILE, generateClientSchema } from '../scripts/generate-client.js';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// The typed client (packages/client): generated from the served document, and used end to end on every
// endpoint group against the in-process app (its fetch is the app's).

const t = useTestDb();
let ws: TestWorkspace;
let client: ReturnType<typeof createParleyClient>;

beforeAll(async () => {
  ws = await createTestWorkspace(t.db);
  const providers = createProviders(parseConfig({}).providers, { log: () => {} });
  const app = createLocalApp({ db: async () => t.db, providers: () => providers });
  client = createParleyClient({ baseUrl: 'http://parley.test', apiKey: ws.keys.all, fetch: (request) => Promise.resolve(app.request(request)) });
});

describe('packages/client', () => {
  it('matches the document the API serves (run `npm run client:generate` after changing a route)', async () => {
    expect(await generateClientSchema()).toBe(readFileSync(CLIENT_SCHEMA_FILE, 'utf8'));
  });

  it('calls every endpoint group with typed paths, parameters, bodies and answers', async () => {
    // Chats v1.
    const created = await client.POST('/api/v1/chats', { body: { channelId: ws.channels.whatsapp.id, ownerId: ws.contact.identityId, title: 'Through the client' } });
    expect(created.response.status).toBe(200);
    const chatId = created.data!.id;
    const renamed = await client.PATCH('/api/v1/chats/{id}', { params: { path: { id: chatId } }, body: { title: 'Renamed by the client' } });
    expect(renamed.data?.title).toBe('Renamed by the client');
    const details = await client.GET('/api/v1/chats/{id}/details', { params: { path: { id: chatId } } });
    expect(details.data).toMatchObject({ id: chatId, channelType: 'whatsapp', ownerName: 'Carl Contact' });
    const list = await client.GET('/api/v1/chats', { params: { query: { pageSize: 5, channelIds: [ws.channels.whatsapp.id] } } });
    expect(list.data?.map((c) => c.id)).toEqual([chatId]);

    // Workspace: a contact made through the client owns a v1 chat.
    const contact = await client.POST('/api/v2/w/{workspace_uuid}/contacts', { params: { path: { workspace_uuid: ws.workspace.id } }, body: { name: 'Client Cleo', email: 'cleo@example.test' } });
    expect(contact.response.status).toBe(201);
    const owned = await client.POST('/api/v1/chats', { body: { channelId: null, ownerId: contact.data!.id, title: null } });
    expect(owned.data?.ownerId).toBe(contact.data!.id);
    const contacts = await client.GET('/api/v2/w/{workspace_uuid}/contacts', { params: { path: { workspace_uuid: ws.workspace.id }, query: { search: 'cleo', limit: 10 } } });
    expect(contacts.data?.contacts.map((c) => c.email)).toEqual(['cleo@example.test']);

    // Workspace chats: a message in, the history out.
    const chat = await insertChat(t.db, {
      workspaceId: ws.workspace.id, channelId: ws.channels.sms.id, ownerId: ws.contact.identityId,
      responderId: ws.agent.identityId, currentResponderId: ws.agent.identityId, responderVersionId: null, title: 'v2',
    });
    const v2 = { workspace_uuid: ws.workspace.id, chat_id: chat.number };
    const posted = await client.POST('/api/v2/w/{workspace_uuid}/chats/{chat_id}/messages', { params: { path: v2 }, body: { role: 'user', content: 'Where is my parcel?' } });
    expect(posted.response.status).toBe(201);
    const history = await client.GET('/api/v2/w/{workspace_uuid}/chats/{chat_id}/messages', { params: { path: v2 } });
    expect(history.data?.messages.map((m) => m.content)).toEqual(['Where is my parcel?']);
    const waiting = await client.GET('/api/v2/w/{workspace_uuid}/chats/needs-response', { params: { path: { workspace_uuid: ws.workspace.id } } });
    expect(waiting.data).toContain(chat.number);

    // Org chats.
    const org = await client.GET('/v1/orgs/{org_id}/chats', { params: { path: { org_id: ws.workspace.id }, query: { take: 50 } } });
    expect(org.data?.map((c) => c.id)).toContain(chat.id);
    const read = await client.POST('/v1/orgs/{org_id}/chats/{chat_id}/read', { params: { path: { org_id: ws.workspace.id, chat_id: chat.id } } });
    expect(read.response.status).toBe(200);

    // Statistics.
    const day = new Date().toISOString().slice(0, 10);
    const overview = await client.GET('/v1/chatbots/{chatbotId}/statistics/reports/overview', {
      params: { path: { chatbotId: ws.agent.identityId }, query: { from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z`, interval: 86400, components: '1,7' } },
    });
    expect(overview.response.status).toBe(200);
    expect(overview.data).toHaveProperty('CONVERSATION_COUNT');
    const channels = await client.GET('/v1/chatbots/{chatbotId}/statistics/channels', { params: { path: { chatbotId: ws.agent.identityId } } });
    expect(channels.response.status).toBe(200);

    // Health.
    expect((await client.GET('/health')).data).toEqual({ status: 'ok' });
    expect((await client.GET('/health/ready')).data?.status).toBe('ready');

    // Errors come back typed, with the closed set of codes.
    const missing = await client.GET('/api/v1/chats/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
    expect(missing.data).toBeUndefined();
    expect(missing.error?.error.code).toBe('not_found');
  });
});
