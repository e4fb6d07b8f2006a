import { randomUUID } from 'node:crypto';
import { createApiKey, type ExportServices, parseConfig, type Providers, provisionWorkspace, type RateLimits, type Scope, SCOPES } from '@parley/core';
import { createProviders } from '@parley/core/providers';
import {
  appendMessages,
  type ChannelType,
  type Database,
  insertAssistant,
  insertAssistantVersion,
  insertChannel,
  insertContact,
  insertSquad,
  insertUser,
  setDefaultResponder,
} from '@parley/db';
import type { Kysely } from 'kysely';
import { createLocalApp } from '../../packages/functions/src/local/app.js';

/** Tests read bodies loosely and assert on them. */
export type ApiResponse = Omit<Response, 'json'> & { json(): Promise<any> };

/**
 * A fresh workspace per test: an admin and a member, two assistants (one with two versions), a squad,
 * a channel of each common type, two contacts (one blocked), and keys for every scope set a test needs.
 */
export async function createTestWorkspace(db: Kysely<Database>, options: { timeZone?: string; providers?: Providers; exports?: ExportServices; rateLimits?: RateLimits } = {}) {
  const { workspace, admin } = await provisionWorkspace(db, {
    name: `Test ${randomUUID().slice(0, 8)}`,
    timeZone: options.timeZone ?? 'UTC',
    adminName: 'Alice Admin',
    adminEmail: 'alice@example.test',
  });
  const member = await insertUser(db, { workspaceId: workspace.id, name: 'Mo Member', email: 'mo@example.test', role: 'member' });
  const agent = await insertAssistant(db, { workspaceId: workspace.id, name: 'Helper Bot', pictureUrl: 'https://img.example/helper.png' });
  const agentV2 = await insertAssistantVersion(db, agent.identityId, { model: 'v2' });
  const otherAgent = await insertAssistant(db, { workspaceId: workspace.id, name: 'Sales Bot' });
  const squad = await insertSquad(db, { workspaceId: workspace.id, name: 'Tier 1', assistantIds: [agent.identityId, otherAgent.identityId] });
  await setDefaultResponder(db, workspace.id, agent.identityId);

  const channel = async (type: ChannelType, responderId: string = agent.identityId) =>
    insertChannel(db, { workspaceId: workspace.id, type, name: `${type} channel`, responderId });
  const channels = {
    widget: await channel('widget', squad.identityId),
    whatsapp: await channel('whatsapp'),
    api: await channel('api', otherAgent.identityId),
    sms: await channel('sms'),
  };
  const contact = await insertContact(db, { workspaceId: workspace.id, name: 'Carl Contact', identifier: '+15550001', phone: '+15550001' });
  const blockedContact = await insertContact(db, { workspaceId: workspace.id, name: 'Bea Blocked', identifier: 'bea@x.test', isBlocked: true });

  const keys: Record<string, string> = {};
  const key = async (scopes: Scope[], memberId = admin.id) => (await createApiKey(db, { workspaceId: workspace.id, memberId, scopes })).token;
  keys.all = await key([...SCOPES]);
  keys.read = await key(['chats:read']);
  keys.write = await key(['chats:write']);
  keys.statistics = await key(['statistics:read']);

  // The default adapters (outbox, extractive summaries), silent; tests that check providers pass their own.
  const providers = options.providers ?? createProviders(parseConfig({}).providers, { log: () => {} });
  const app = createLocalApp({ db: async () => db, providers: () => providers, ...(options.exports && { exports: () => options.exports! }), ...(options.rateLimits && { rateLimits: () => options.rateLimits! }) });
  /** Calls the API in-process with a key (`all` unless named) and JSON bodies. */
  const request = (path: string, init: { method?: string; body?: unknown; key?: string | null; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    const token = init.key === undefined ? keys.all : init.key;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    return app.request(path, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    }) as Promise<ApiResponse>;
  };

  return {
    workspace,
    admin,
    member,
    agent: { ...agent, v2: agentV2 },
    otherAgent,
    squad,
    channels,
    contact,
    blockedContact,
    keys,
    request,
    appendMessages: (chatId: string, messages: Parameters<typeof appendMessages>[3]) => appendMessages(db, workspace.id, chatId, messages),
  };
}

export type TestWorkspace = Awaited<ReturnType<typeof createTestWorkspace>>;
