import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiKey, createLocalExportStore, type ExportServices, parseConfig, type Scope, SCOPES, EXPORT_KINDS } from '@parley/core';
import { createProviders } from '@parley/core/providers';
import { insertAssistant, insertCall, insertChannel, insertChat, insertContact, insertLabel, insertParticipant, insertSquad, insertUser, insertWorkspaceTool, updateOrgChatAttributes } from '@parley/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { createInProcessExportQueue } from '../packages/functions/src/local/export-queue.js';
import { createExportWorker } from '../packages/functions/src/workers/export-worker.js';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// Who may call what: every operation of /openapi.json against every kind of caller, from one table.
// A new endpoint adds one entry to OPERATIONS (its scope, what it addresses, a request that succeeds for
// an allowed caller); the test fails until it does. Below the table, the failures the policy fixed.

const t = useTestDb();

// ---- The callers ----

/** What a member's key may address on a per-resource route: a chat they take part in (an export they requested), or one they do not. */
type Target = 'in' | 'out';

type Caller =
  | { label: string; kind: 'admin'; scope: Scope }
  | { label: string; kind: 'member'; scope: Scope; target?: Target }
  | { label: string; kind: 'foreign' | 'none' | 'revoked' };

/** A status, or a class of them (`2xx`, `3xx`). */
type Expected = number | '2xx' | '2xx|3xx';

interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

interface Operation {
  /** The scope the operation needs (broader scopes grant narrower ones, as in the policy). */
  scope: Scope;
  /**
   * `chat`: one chat by id, `export`: one export job: members are tried on one within their reach and one
   * outside it (404 without `chats:admin`). Absent: a list, a count or a creation.
   */
  addresses?: 'chat' | 'export';
  /** What an allowed caller gets. */
  success: Expected;
  /** A valid request for the fixture, resolving `target` for per-resource operations. */
  request(target: Target): Request | Promise<Request>;
  /** Statuses that differ from the rule, by caller label. */
  except?: Partial<Record<string, Expected>>;
}

const GRANTS: Record<Scope, readonly Scope[]> = {
  'chats:read': ['chats:read'],
  'chats:write': ['chats:write', 'chats:read'],
  'chats:admin': ['chats:admin', 'chats:write', 'chats:read'],
  'statistics:read': ['statistics:read'],
  'statistics:export': ['statistics:export', 'statistics:read'],
  'keys:admin': ['keys:admin'],
};

/**
 * The rule every row follows unless it says otherwise: no key or a revoked one is 401; another
 * workspace's key (every scope) is 404; a key without the scope is 403; a member without `chats:admin`
 * on a chat or export outside their reach is 404; anyone else succeeds.
 */
function expectedFor(op: Operation, caller: Caller): Expected {
  const override = op.except?.[caller.label];
  if (override !== undefined) return override;
  if (caller.kind !== 'admin' && caller.kind !== 'member') return caller.kind === 'foreign' ? 404 : 401;
  if (!GRANTS[caller.scope].includes(op.scope)) return 403;
  if (caller.kind === 'member' && caller.target === 'out' && caller.scope !== 'chats:admin') return 404;
  return op.success;
}

function matches(status: number, expected: Expected): boolean {
  if (typeof expected === 'number') return status === expected;
  return expected.split('|').some((cls) => Math.floor(status / 100) === Number(cls[0]));
}

// ---- The fixture: one workspace, built once ----

interface Fixture {
  ws: TestWorkspace;
  foreign: TestWorkspace;
  keys: Record<string, string>;
  chats: Record<Target, { id: string; number: number; assistantMessageId: string }>;
  chatExports: Record<Target, string>;
  statisticsExports: Record<Target, string>;
  /** A new chat each call (for operations that use one up), within the member's reach or not. */
  freshChat(target: Target): Promise<{ id: string; number: number }>;
  /** A new member each call, to be added as a participant. */
  freshMember(): Promise<number>;
  /** A webhook endpoint of the workspace, and a new one each call (for deleting). */
  endpointId: string;
  freshEndpoint(): Promise<string>;
  /** A call recorded on each chat, and a new one each call (for deletions). */
  calls: Record<Target, string>;
  freshCall(target: Target): Promise<{ id: string }>;
  /** A workspace tool and a label definition of the workspace. */
  toolId: string;
  labelId: string;
}

/** Makes the names of things created by the table unique. */
let serial = 0;

let fx: Fixture;
const dir = mkdtempSync(join(tmpdir(), 'parley-authorization-'));
const store = createLocalExportStore({ dir, secret: 'test-signing-secret-0123456789' });
const queue = createInProcessExportQueue(createExportWorker({ handle: async () => t.handle, store, leaseSeconds: 60, kinds: EXPORT_KINDS, maxReceives: 4, log: () => {} }), { maxReceives: 4, visibilityTimeoutMs: 10 });
const services: ExportServices = { queue, store, waitMs: 0, linkTtlSeconds: 60, kinds: EXPORT_KINDS, maxReceives: 4 };
const providers = createProviders(parseConfig({}).providers, { log: () => {} });
let app: ReturnType<typeof createLocalApp>;

async function call(request: Request, key: string | undefined) {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  return app.request(request.path, { method: request.method, headers, body: request.body === undefined ? undefined : JSON.stringify(request.body) });
}

beforeAll(async () => {
  app = createLocalApp({ db: async () => t.db, providers: () => providers, exports: () => services }, { localExportStore: store });
  const ws = await createTestWorkspace(t.db);
  const foreign = await createTestWorkspace(t.db);
  const keys: Record<string, string> = {};
  for (const scope of SCOPES) {
    keys[`admin ${scope}`] = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: [scope] })).token;
    keys[`member ${scope}`] = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes: [scope] })).token;
  }
  keys.foreign = foreign.keys.all!;
  const revoked = await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: [...SCOPES] });
  await t.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', revoked.keyId).execute();
  keys.revoked = revoked.token;

  // SMS chats of the contact (who has a phone), answered by the agent: the member takes part in `in` only.
  const freshChat = async (target: Target) => {
    const chat = await insertChat(t.db, {
      workspaceId: ws.workspace.id,
      channelId: ws.channels.sms.id,
      ownerId: ws.contact.identityId,
      responderId: ws.agent.identityId,
      currentResponderId: ws.agent.identityId,
      responderVersionId: ws.agent.currentVersionId,
      title: `Chat ${target}`,
    });
    if (target === 'in') await insertParticipant(t.db, { chatId: chat.id, memberId: ws.member.id });
    return chat;
  };
  const chats = {} as Fixture['chats'];
  for (const target of ['in', 'out'] as const) {
    const chat = await freshChat(target);
    const post = (content: string, role: string) => call({ method: 'POST', path: `/api/v2/w/${ws.workspace.id}/chats/${chat.number}/messages`, body: { role, content } }, ws.keys.all);
    expect((await post('My parcel has not arrived and the invoice was charged twice.', 'user')).status).toBe(201);
    const answer = await post('Sorry! The parcel ships today and the refund is on its way.', 'assistant');
    chats[target] = { id: chat.id, number: chat.number, assistantMessageId: ((await answer.json()) as { uuid: string }).uuid };
  }

  const exportId = async (request: Request, key: string) => {
    const res = await call(request, key);
    expect(res.status, await res.clone().text()).toBe(202);
    return ((await res.json()) as { exportId: string }).exportId;
  };
  const chatExport = (key: string) => exportId({ method: 'GET', path: `/api/v2/w/${ws.workspace.id}/chats/export?archived=false` }, key);
  const statisticsExport = (key: string) => exportId({ method: 'POST', path: `/v1/chatbots/${ws.agent.identityId}/statistics/export?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z` }, key);
  const chatExports = { in: await chatExport(keys['member chats:read']!), out: await chatExport(ws.keys.all!) };
  const statisticsExports = { in: await statisticsExport(keys['member statistics:export']!), out: await statisticsExport(ws.keys.all!) };

  let n = 0;
  const freshMember = async () => (await insertUser(t.db, { workspaceId: ws.workspace.id, name: `Newcomer ${++n}` })).id;
  const freshEndpoint = async () => {
    const res = await call({ method: 'POST', path: `/api/v2/w/${ws.workspace.id}/webhook-endpoints`, body: { url: 'https://hooks.example.test/fixture' } }, ws.keys.all);
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const freshCall = (target: Target) =>
    insertCall(t.db, { workspaceId: ws.workspace.id, chatId: chats[target].id }, { direction: 'inbound', startedAt: new Date('2026-11-30T09:00:00Z'), endedAt: null, durationSeconds: 30, outcome: null, exitStep: null, transferTarget: null, userInputs: null });
  const calls = { in: (await freshCall('in')).id, out: (await freshCall('out')).id };
  const toolId = (await insertWorkspaceTool(t.db, { workspaceId: ws.workspace.id, name: 'lookup_order', callbackUrl: 'http://127.0.0.1:9/lookup', inputSchema: { type: 'object' } }))!.id;
  const labelId = (await insertLabel(t.db, { workspaceId: ws.workspace.id, name: 'billing' })).id;
  fx = { ws, foreign, keys, chats, chatExports, statisticsExports, freshChat, freshMember, calls, freshCall, toolId, labelId, endpointId: await freshEndpoint(), freshEndpoint };
});

afterAll(async () => {
  await queue.drain();
  rmSync(dir, { recursive: true, force: true });
});

// ---- The table: every operation of /openapi.json ----

const wsPath = () => `/api/v2/w/${fx.ws.workspace.id}`;
const v2 = () => `${wsPath()}/chats`;
const hooks = () => `/api/v2/w/${fx.ws.workspace.id}/webhook-endpoints`;
const stats = () => `/v1/chatbots/${fx.ws.agent.identityId}/statistics`;
const PERIOD = 'from=2026-01-01T00:00:00Z&to=2026-01-31T23:59:59Z';

const keysPath = () => `/api/v2/w/${fx.ws.workspace.id}/keys`;
/** A new key of the workspace each call, for operations that change one. */
const freshKey = async () => `prl_${(await createApiKey(t.db, { workspaceId: fx.ws.workspace.id, memberId: fx.ws.member.id, scopes: ['chats:read'] })).keyId}`;
const MEMBER_KEYS_ADMIN = { 'member keys:admin': 403 } as const;

const OPERATIONS: Record<string, Operation> = {
  // Chats v1. A key of another workspace lists its own workspace's chats.
  'GET /api/v1/chats': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: '/api/v1/chats' }), except: { foreign: 200 } },
  'GET /api/v1/chats/details': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: '/api/v1/chats/details' }), except: { foreign: 200 } },
  'POST /api/v1/chats': {
    scope: 'chats:write',
    success: 200,
    request: () => ({ method: 'POST', path: '/api/v1/chats', body: { ownerId: fx.ws.contact.identityId, channelId: fx.ws.channels.sms.id, title: 'New' } }),
  },
  'GET /api/v1/chats/{id}': { scope: 'chats:read', addresses: 'chat', success: 200, request: (target) => ({ method: 'GET', path: `/api/v1/chats/${fx.chats[target].id}` }) },
  'PATCH /api/v1/chats/{id}': {
    scope: 'chats:write',
    addresses: 'chat',
    success: 200,
    request: (target) => ({ method: 'PATCH', path: `/api/v1/chats/${fx.chats[target].id}`, body: { title: `Chat ${target}` } }),
  },
  'DELETE /api/v1/chats/{id}': {
    scope: 'chats:write',
    addresses: 'chat',
    success: 200,
    request: async (target) => ({ method: 'DELETE', path: `/api/v1/chats/${(await fx.freshChat(target)).id}` }),
  },
  'GET /api/v1/chats/{id}/details': { scope: 'chats:read', addresses: 'chat', success: 200, request: (target) => ({ method: 'GET', path: `/api/v1/chats/${fx.chats[target].id}/details` }) },

  // Workspace chats v2.
  'GET /api/v2/w/{workspace_uuid}/chats': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: v2() }) },
  'GET /api/v2/w/{workspace_uuid}/chats/needs-response': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${v2()}/needs-response` }) },
  'GET /api/v2/w/{workspace_uuid}/chats/stats/daily-creation': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${v2()}/stats/daily-creation` }) },
  'GET /api/v2/w/{workspace_uuid}/chats/tool-call-names': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${v2()}/tool-call-names` }) },
  'GET /api/v2/w/{workspace_uuid}/chats/export': { scope: 'chats:read', success: '2xx|3xx', request: () => ({ method: 'GET', path: `${v2()}/export` }) },
  'GET /api/v2/w/{workspace_uuid}/chats/exports/{export_id}': {
    scope: 'chats:read',
    addresses: 'export',
    success: 200,
    request: (target) => ({ method: 'GET', path: `${v2()}/exports/${fx.chatExports[target]}` }),
  },
  'GET /api/v2/w/{workspace_uuid}/chats/{chat_id}': { scope: 'chats:read', addresses: 'chat', success: 200, request: (target) => ({ method: 'GET', path: `${v2()}/${fx.chats[target].number}` }) },
  'PUT /api/v2/w/{workspace_uuid}/chats/{chat_id}': {
    scope: 'chats:write',
    addresses: 'chat',
    success: 200,
    request: (target) => ({
      method: 'PUT',
      path: `${v2()}/${fx.chats[target].number}`,
      body: { title: `Chat ${target}`, summary: null, labels: [], archived: false, paused: false, muted: false, needsResponse: true, state: 'OPEN', assignedMemberId: null },
    }),
  },
  'PATCH /api/v2/w/{workspace_uuid}/chats/{chat_id}': {
    scope: 'chats:write',
    addresses: 'chat',
    success: 200,
    request: (target) => ({ method: 'PATCH', path: `${v2()}/${fx.chats[target].number}`, body: { muted: false } }),
  },
  'GET /api/v2/w/{workspace_uuid}/members': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `/api/v2/w/${fx.ws.workspace.id}/members?search=o` }) },
  'GET /api/v2/w/{workspace_uuid}/chats/{chat_id}/participants': {
    scope: 'chats:read',
    addresses: 'chat',
    success: 200,
    request: (target) => ({ method: 'GET', path: `${v2()}/${fx.chats[target].number}/participants` }),
  },
  'DELETE /api/v2/w/{workspace_uuid}/chats/{chat_id}/participants/{participant_id}': {
    scope: 'chats:write',
    addresses: 'chat',
    success: 200,
    request: async (target) => {
      const participant = await insertParticipant(t.db, { chatId: fx.chats[target].id, memberId: await fx.freshMember() });
      return { method: 'DELETE', path: `${v2()}/${fx.chats[target].number}/participants/${participant!.id}` };
    },
  },
  'POST /api/v2/w/{workspace_uuid}/chats/{chat_id}/participants': {
    scope: 'chats:write',
    addresses: 'chat',
    success: 200,
    request: async (target) => ({ method: 'POST', path: `${v2()}/${fx.chats[target].number}/participants`, body: { memberId: await fx.freshMember() } }),
  },
  'POST /api/v2/w/{workspace_uuid}/chats/{chat_id}/send-assistant-message': {
    scope: 'chats:admin',
    addresses: 'chat',
    success: 200,
    request: (target) => ({ method: 'POST', path: `${v2()}/${fx.chats[target].number}/send-assistant-message`, body: { message: 'On its way.' } }),
  },
  'POST /api/v2/w/{workspace_uuid}/chats/{chat_id}/summarize': {
    scope: 'chats:write',
    addresses: 'chat',
    success: 200,
    request: (target) => ({ method: 'POST', path: `${v2()}/${fx.chats[target].number}/summarize` }),
  },
  'GET /api/v2/w/{workspace_uuid}/chats/{chat_id}/messages': { scope: 'chats:read', addresses: 'chat', success: 200, request: (target) => ({ method: 'GET', path: `${v2()}/${fx.chats[target].number}/messages` }) },
  'POST /api/v2/w/{workspace_uuid}/chats/{chat_id}/messages': {
    scope: 'chats:write',
    addresses: 'chat',
    success: 201,
    request: (target) => ({ method: 'POST', path: `${v2()}/${fx.chats[target].number}/messages`, body: { role: 'note', content: 'Checked the carrier.' } }),
  },
  'POST /api/v2/w/{workspace_uuid}/chats/{chat_id}/messages/{uuid}/rate': {
    scope: 'chats:write',
    addresses: 'chat',
    success: 200,
    request: (target) => ({ method: 'POST', path: `${v2()}/${fx.chats[target].number}/messages/${fx.chats[target].assistantMessageId}/rate`, body: { rating: 1 } }),
  },
  'GET /api/v2/w/{workspace_uuid}/chats/{chat_id}/tools': { scope: 'chats:read', addresses: 'chat', success: 200, request: (target) => ({ method: 'GET', path: `${v2()}/${fx.chats[target].number}/tools` }) },

  // Workspace configuration.
  'GET /api/v2/w/{workspace_uuid}/contacts': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${wsPath()}/contacts?search=carl` }) },
  'POST /api/v2/w/{workspace_uuid}/contacts': {
    scope: 'chats:admin',
    success: 201,
    request: () => ({ method: 'POST', path: `${wsPath()}/contacts`, body: { name: 'Nia New', phone: '+14155550100' } }),
  },
  'GET /api/v2/w/{workspace_uuid}/contacts/{contact_id}': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${wsPath()}/contacts/${fx.ws.contact.identityId}` }) },
  'PATCH /api/v2/w/{workspace_uuid}/contacts/{contact_id}': {
    scope: 'chats:admin',
    success: 200,
    request: () => ({ method: 'PATCH', path: `${wsPath()}/contacts/${fx.ws.contact.identityId}`, body: { handle: '@carl' } }),
  },
  'DELETE /api/v2/w/{workspace_uuid}/contacts/{contact_id}': {
    scope: 'chats:admin',
    success: 200,
    request: async () => ({ method: 'DELETE', path: `${wsPath()}/contacts/${(await insertContact(t.db, { workspaceId: fx.ws.workspace.id, name: 'Gone Soon' })).identityId}` }),
  },

  'GET /api/v2/w/{workspace_uuid}/channels': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${wsPath()}/channels?type=sms` }) },
  'POST /api/v2/w/{workspace_uuid}/channels': {
    scope: 'chats:admin',
    success: 201,
    request: () => ({ method: 'POST', path: `${wsPath()}/channels`, body: { type: 'email', name: `Inbox ${++serial}`, responderId: fx.ws.agent.identityId } }),
  },
  'GET /api/v2/w/{workspace_uuid}/channels/{channel_id}': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${wsPath()}/channels/${fx.ws.channels.sms.id}` }) },
  'PATCH /api/v2/w/{workspace_uuid}/channels/{channel_id}': {
    scope: 'chats:admin',
    success: 200,
    request: () => ({ method: 'PATCH', path: `${wsPath()}/channels/${fx.ws.channels.sms.id}`, body: { notificationsEnabled: true } }),
  },
  'DELETE /api/v2/w/{workspace_uuid}/channels/{channel_id}': {
    scope: 'chats:admin',
    success: 200,
    request: async () => ({ method: 'DELETE', path: `${wsPath()}/channels/${(await insertChannel(t.db, { workspaceId: fx.ws.workspace.id, type: 'api', name: `Spare ${++serial}`, responderId: fx.ws.agent.identityId })).id}` }),
  },
  'GET /api/v2/w/{workspace_uuid}/assistants': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${wsPath()}/assistants` }) },
  'POST /api/v2/w/{workspace_uuid}/assistants': {
    scope: 'chats:admin',
    success: 201,
    request: () => ({ method: 'POST', path: `${wsPath()}/assistants`, body: { name: `Bot ${++serial}`, config: { model: 'gpt-4o-mini' } } }),
  },
  'GET /api/v2/w/{workspace_uuid}/assistants/{assistant_id}': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${wsPath()}/assistants/${fx.ws.agent.identityId}` }) },
  'PATCH /api/v2/w/{workspace_uuid}/assistants/{assistant_id}': {
    scope: 'chats:admin',
    success: 200,
    request: () => ({ method: 'PATCH', path: `${wsPath()}/assistants/${fx.ws.agent.identityId}`, body: { description: 'Helps.' } }),
  },
  'DELETE /api/v2/w/{workspace_uuid}/assistants/{assistant_id}': {
    scope: 'chats:admin',
    success: 200,
    request: async () => ({ method: 'DELETE', path: `${wsPath()}/assistants/${(await insertAssistant(t.db, { workspaceId: fx.ws.workspace.id, name: `Retired ${++serial}` })).identityId}` }),
  },
  'GET /api/v2/w/{workspace_uuid}/assistants/{assistant_id}/versions': {
    scope: 'chats:read',
    success: 200,
    request: () => ({ method: 'GET', path: `${wsPath()}/assistants/${fx.ws.agent.identityId}/versions` }),
  },
  'POST /api/v2/w/{workspace_uuid}/assistants/{assistant_id}/versions': {
    scope: 'chats:admin',
    success: 201,
    request: () => ({ method: 'POST', path: `${wsPath()}/assistants/${fx.ws.otherAgent.identityId}/versions`, body: { config: { model: 'gpt-4o' }, makeCurrent: false } }),
  },
  'GET /api/v2/w/{workspace_uuid}/assistants/{assistant_id}/versions/{version_id}': {
    scope: 'chats:read',
    success: 200,
    request: () => ({ method: 'GET', path: `${wsPath()}/assistants/${fx.ws.agent.identityId}/versions/${fx.ws.agent.currentVersionId}` }),
  },
  'GET /api/v2/w/{workspace_uuid}/squads': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${wsPath()}/squads` }) },
  'POST /api/v2/w/{workspace_uuid}/squads': {
    scope: 'chats:admin',
    success: 201,
    request: () => ({ method: 'POST', path: `${wsPath()}/squads`, body: { name: `Team ${++serial}`, assistantIds: [fx.ws.agent.identityId] } }),
  },
  'GET /api/v2/w/{workspace_uuid}/squads/{squad_id}': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${wsPath()}/squads/${fx.ws.squad.identityId}` }) },
  'PATCH /api/v2/w/{workspace_uuid}/squads/{squad_id}': {
    scope: 'chats:admin',
    success: 200,
    request: () => ({ method: 'PATCH', path: `${wsPath()}/squads/${fx.ws.squad.identityId}`, body: { description: 'First line.' } }),
  },
  'DELETE /api/v2/w/{workspace_uuid}/squads/{squad_id}': {
    scope: 'chats:admin',
    success: 200,
    request: async () => ({ method: 'DELETE', path: `${wsPath()}/squads/${(await insertSquad(t.db, { workspaceId: fx.ws.workspace.id, name: `Disbanded ${++serial}`, assistantIds: [] })).identityId}` }),
  },
  'GET /api/v2/w/{workspace_uuid}/tools': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${wsPath()}/tools` }) },
  'POST /api/v2/w/{workspace_uuid}/tools': {
    scope: 'chats:admin',
    success: 201,
    request: () => ({ method: 'POST', path: `${wsPath()}/tools`, body: { name: `tool_${++serial}`, callbackUrl: 'http://127.0.0.1:9/tool' } }),
  },
  'GET /api/v2/w/{workspace_uuid}/tools/{tool_id}': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${wsPath()}/tools/${fx.toolId}` }) },
  'PATCH /api/v2/w/{workspace_uuid}/tools/{tool_id}': {
    scope: 'chats:admin',
    success: 200,
    request: () => ({ method: 'PATCH', path: `${wsPath()}/tools/${fx.toolId}`, body: { timeoutMs: 2000 } }),
  },
  'DELETE /api/v2/w/{workspace_uuid}/tools/{tool_id}': {
    scope: 'chats:admin',
    success: 200,
    request: async () => ({ method: 'DELETE', path: `${wsPath()}/tools/${(await insertWorkspaceTool(t.db, { workspaceId: fx.ws.workspace.id, name: `old_${++serial}`, callbackUrl: 'http://127.0.0.1:9/x', inputSchema: { type: 'object' } }))!.id}` }),
  },
  'GET /api/v2/w/{workspace_uuid}/labels': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${wsPath()}/labels` }) },
  'POST /api/v2/w/{workspace_uuid}/labels': { scope: 'chats:admin', success: 201, request: () => ({ method: 'POST', path: `${wsPath()}/labels`, body: { name: `label ${++serial}` } }) },
  'GET /api/v2/w/{workspace_uuid}/labels/{label_id}': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `${wsPath()}/labels/${fx.labelId}` }) },
  'PATCH /api/v2/w/{workspace_uuid}/labels/{label_id}': {
    scope: 'chats:admin',
    success: 200,
    request: () => ({ method: 'PATCH', path: `${wsPath()}/labels/${fx.labelId}`, body: { description: 'Invoices and payments' } }),
  },
  'DELETE /api/v2/w/{workspace_uuid}/labels/{label_id}': {
    scope: 'chats:admin',
    success: 200,
    request: async () => ({ method: 'DELETE', path: `${wsPath()}/labels/${(await insertLabel(t.db, { workspaceId: fx.ws.workspace.id, name: `stale ${++serial}` })).id}` }),
  },

  // Call records of a chat.
  'GET /api/v2/w/{workspace_uuid}/chats/{chat_id}/calls': { scope: 'chats:read', addresses: 'chat', success: 200, request: (target) => ({ method: 'GET', path: `${v2()}/${fx.chats[target].number}/calls` }) },
  'POST /api/v2/w/{workspace_uuid}/chats/{chat_id}/calls': {
    scope: 'chats:write',
    addresses: 'chat',
    success: 201,
    request: (target) => ({ method: 'POST', path: `${v2()}/${fx.chats[target].number}/calls`, body: { startedAt: '2026-11-30T10:00:00Z', durationSeconds: 60 } }),
  },
  'GET /api/v2/w/{workspace_uuid}/chats/{chat_id}/calls/{call_id}': {
    scope: 'chats:read',
    addresses: 'chat',
    success: 200,
    request: (target) => ({ method: 'GET', path: `${v2()}/${fx.chats[target].number}/calls/${fx.calls[target]}` }),
  },
  'PATCH /api/v2/w/{workspace_uuid}/chats/{chat_id}/calls/{call_id}': {
    scope: 'chats:write',
    addresses: 'chat',
    success: 200,
    request: (target) => ({ method: 'PATCH', path: `${v2()}/${fx.chats[target].number}/calls/${fx.calls[target]}`, body: { outcome: 'customer-ended-call' } }),
  },
  'DELETE /api/v2/w/{workspace_uuid}/chats/{chat_id}/calls/{call_id}': {
    scope: 'chats:write',
    addresses: 'chat',
    success: 200,
    request: async (target) => ({ method: 'DELETE', path: `${v2()}/${fx.chats[target].number}/calls/${(await fx.freshCall(target)).id}` }),
  },
  // Events.
  'GET /api/v2/w/{workspace_uuid}/events': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `/api/v2/w/${fx.ws.workspace.id}/events` }) },

  // Webhook endpoints: chats:admin, any member's key with it (they are the workspace's, not a member's).
  'POST /api/v2/w/{workspace_uuid}/webhook-endpoints': {
    scope: 'chats:admin',
    success: 201,
    request: () => ({ method: 'POST', path: `${hooks()}`, body: { url: 'https://hooks.example.test/in' } }),
  },
  'GET /api/v2/w/{workspace_uuid}/webhook-endpoints': { scope: 'chats:admin', success: 200, request: () => ({ method: 'GET', path: hooks() }) },
  'GET /api/v2/w/{workspace_uuid}/webhook-endpoints/{endpoint_id}': { scope: 'chats:admin', success: 200, request: () => ({ method: 'GET', path: `${hooks()}/${fx.endpointId}` }) },
  'PATCH /api/v2/w/{workspace_uuid}/webhook-endpoints/{endpoint_id}': {
    scope: 'chats:admin',
    success: 200,
    request: () => ({ method: 'PATCH', path: `${hooks()}/${fx.endpointId}`, body: { description: 'Changed' } }),
  },
  'DELETE /api/v2/w/{workspace_uuid}/webhook-endpoints/{endpoint_id}': {
    scope: 'chats:admin',
    success: 204,
    request: async () => ({ method: 'DELETE', path: `${hooks()}/${await fx.freshEndpoint()}` }),
  },
  'POST /api/v2/w/{workspace_uuid}/webhook-endpoints/{endpoint_id}/rotate-secret': {
    scope: 'chats:admin',
    success: 200,
    request: () => ({ method: 'POST', path: `${hooks()}/${fx.endpointId}/rotate-secret`, body: { overlapSeconds: 60 } }),
  },
  'GET /api/v2/w/{workspace_uuid}/webhook-endpoints/{endpoint_id}/deliveries': { scope: 'chats:admin', success: 200, request: () => ({ method: 'GET', path: `${hooks()}/${fx.endpointId}/deliveries` }) },
  'POST /api/v2/w/{workspace_uuid}/webhook-endpoints/{endpoint_id}/redeliver': {
    scope: 'chats:admin',
    success: 202,
    request: () => ({ method: 'POST', path: `${hooks()}/${fx.endpointId}/redeliver`, body: { since: '2026-01-01T00:00:00Z' } }),
  },

  // Org chats.
  'GET /v1/orgs/{org_id}/chats': { scope: 'chats:read', success: 200, request: () => ({ method: 'GET', path: `/v1/orgs/${fx.ws.workspace.id}/chats` }) },
  'POST /v1/orgs/{org_id}/chats/{chat_id}/read': {
    scope: 'chats:read',
    addresses: 'chat',
    success: 200,
    request: (target) => ({ method: 'POST', path: `/v1/orgs/${fx.ws.workspace.id}/chats/${fx.chats[target].id}/read` }),
  },

  // Statistics.
  'GET /v1/chatbots/{chatbotId}/statistics/reports/channel': {
    scope: 'statistics:read',
    success: 200,
    request: () => ({ method: 'GET', path: `${stats()}/reports/channel?${PERIOD}&interval=86400&components=0,1&channelId=${fx.ws.channels.sms.id}` }),
  },
  'GET /v1/chatbots/{chatbotId}/statistics/reports/overview': {
    scope: 'statistics:read',
    success: 200,
    request: () => ({ method: 'GET', path: `${stats()}/reports/overview?${PERIOD}&interval=86400&components=0,1` }),
  },
  'POST /v1/chatbots/{chatbotId}/statistics/export': { scope: 'statistics:export', success: 202, request: () => ({ method: 'POST', path: `${stats()}/export?${PERIOD}` }) },
  'GET /v1/chatbots/{chatbotId}/statistics/export/{exportId}': {
    scope: 'statistics:export',
    addresses: 'export',
    success: 200,
    request: (target) => ({ method: 'GET', path: `${stats()}/export/${fx.statisticsExports[target]}` }),
  },
  'GET /v1/chatbots/{chatbotId}/statistics/inbox': { scope: 'statistics:read', success: 200, request: () => ({ method: 'GET', path: `${stats()}/inbox?${PERIOD}` }) },
  'GET /v1/chatbots/{chatbotId}/statistics/channels': { scope: 'statistics:read', success: 200, request: () => ({ method: 'GET', path: `${stats()}/channels` }) },

  // API keys: `keys:admin` on an admin member's key; a member's `keys:admin` key is refused.
  'GET /api/v2/w/{workspace_uuid}/keys': { scope: 'keys:admin', success: 200, request: () => ({ method: 'GET', path: keysPath() }), except: MEMBER_KEYS_ADMIN },
  'POST /api/v2/w/{workspace_uuid}/keys': {
    scope: 'keys:admin',
    success: 201,
    request: () => ({ method: 'POST', path: keysPath(), body: { name: 'Made in a test', scopes: ['keys:admin'] } }),
    except: MEMBER_KEYS_ADMIN,
  },
  'GET /api/v2/w/{workspace_uuid}/keys/{key_id}': { scope: 'keys:admin', success: 200, request: async () => ({ method: 'GET', path: `${keysPath()}/${await freshKey()}` }), except: MEMBER_KEYS_ADMIN },
  'POST /api/v2/w/{workspace_uuid}/keys/{key_id}/revoke': {
    scope: 'keys:admin',
    success: 200,
    request: async () => ({ method: 'POST', path: `${keysPath()}/${await freshKey()}/revoke` }),
    except: MEMBER_KEYS_ADMIN,
  },
  'POST /api/v2/w/{workspace_uuid}/keys/{key_id}/rotate': {
    scope: 'keys:admin',
    success: 200,
    request: async () => ({ method: 'POST', path: `${keysPath()}/${await freshKey()}/rotate`, body: { gracePeriodSeconds: 60 } }),
    except: MEMBER_KEYS_ADMIN,
  },
};

/** Operations that take no key: every caller gets the same answer (test/platform.test.ts covers them). */
const UNAUTHENTICATED = ['GET /health', 'GET /health/ready'];

function callersOf(op: Operation): Caller[] {
  const callers: Caller[] = [];
  for (const scope of SCOPES) {
    callers.push({ label: `admin ${scope}`, kind: 'admin', scope });
    if (op.addresses) for (const target of ['in', 'out'] as const) callers.push({ label: `member ${scope} ${target}`, kind: 'member', scope, target });
    else callers.push({ label: `member ${scope}`, kind: 'member', scope });
  }
  callers.push({ label: 'foreign', kind: 'foreign' }, { label: 'none', kind: 'none' }, { label: 'revoked', kind: 'revoked' });
  return callers;
}

function keyOf(caller: Caller): string | undefined {
  switch (caller.kind) {
    case 'admin':
      return fx.keys[`admin ${caller.scope}`];
    case 'member':
      return fx.keys[`member ${caller.scope}`];
    case 'none':
      return undefined;
    default:
      return fx.keys[caller.kind];
  }
}

describe('the permission table', () => {
  it('lists every operation of /openapi.json, each with the scope the document declares', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { security: Array<Record<string, string[]>> }>> };
    const documented = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })));
    // Left out on purpose: the health checks, unauthenticated infrastructure (an empty security requirement).
    const open = documented.filter(({ op }) => op.security.length === 0).map(({ name }) => name);
    expect(open).toEqual(UNAUTHENTICATED);
    expect(documented.map(({ name }) => name).filter((name) => !open.includes(name)).sort()).toEqual(Object.keys(OPERATIONS).sort());
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (open.includes(`${method.toUpperCase()} ${path}`)) continue;
        const scopes = new Set(op.security.flatMap((requirement) => Object.values(requirement).flat()));
        expect([...scopes], `${method} ${path}`).toEqual([OPERATIONS[`${method.toUpperCase()} ${path}`]!.scope]);
      }
    }
  });

  it.each(Object.keys(OPERATIONS))('%s answers each caller as the policy says', async (name) => {
    const op = OPERATIONS[name]!;
    const mismatches: string[] = [];
    for (const caller of callersOf(op)) {
      const target = caller.kind === 'member' ? (caller.target ?? 'in') : caller.kind === 'admin' ? 'out' : 'in';
      const res = await call(await op.request(target), keyOf(caller));
      const expected = expectedFor(op, caller);
      if (!matches(res.status, expected)) mismatches.push(`${caller.label}: expected ${expected}, got ${res.status} ${(await res.text()).slice(0, 160)}`);
      else if (res.status >= 400) expect(((await res.json()) as { error: { code: string } }).error.code, caller.label).toBe({ 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' }[res.status]);
    }
    expect(mismatches).toEqual([]);
  });
});

// ---- The failures the one policy fixed ----

describe('one reach in every group', () => {
  const memberKey = async (ws: TestWorkspace, scopes: Scope[]) => (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes })).token;
  const newChat = (ws: TestWorkspace, ownerId: string, title: string) =>
    insertChat(t.db, {
      workspaceId: ws.workspace.id,
      channelId: ws.channels.sms.id,
      ownerId,
      responderId: ws.agent.identityId,
      currentResponderId: ws.agent.identityId,
      responderVersionId: null,
      title,
    });

  it('needs chats:read for needs-response, daily creation and tool-call names: statistics keys get 403', async () => {
    const ws = await createTestWorkspace(t.db);
    for (const scope of ['statistics:read', 'statistics:export'] as const) {
      const key = await memberKey(ws, [scope]);
      for (const path of ['/needs-response', '/stats/daily-creation', '/tool-call-names']) {
        const res = await ws.request(`/api/v2/w/${ws.workspace.id}/chats${path}`, { key });
        expect(res.status, `${scope} ${path}`).toBe(403);
        expect((await res.json()).error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('chats:read') });
      }
    }
  });

  it('does not let a member add themselves to a chat they cannot see: 404, and it stays unreadable', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await newChat(ws, ws.contact.identityId, 'Not yours');
    await ws.appendMessages(chat.id, [{ role: 'user', content: 'Private history', authorId: ws.contact.identityId } as never]);
    const key = await memberKey(ws, ['chats:write']);
    const base = `/api/v2/w/${ws.workspace.id}/chats/${chat.number}`;
    const added = await ws.request(`${base}/participants`, { method: 'POST', body: { memberId: ws.member.id }, key });
    expect(added.status).toBe(404);
    expect((await added.json()).error.code).toBe('not_found');
    expect((await ws.request(`${base}/messages`, { key })).status).toBe(404);
    const participants = await t.db.selectFrom('participants').select('member_id').where('chat_id', '=', chat.id).execute();
    expect(participants).toEqual([]);
    // An admin may add them; then the chat is theirs to read.
    expect((await ws.request(`${base}/participants`, { method: 'POST', body: { memberId: ws.member.id } })).status).toBe(200);
    expect((await ws.request(`${base}/messages`, { key })).status).toBe(200);
  });

  it("shows a member the same chats in v1, v2 and org chats: those they own, take part in or are assigned to, whatever a chat's visibility", async () => {
    const ws = await createTestWorkspace(t.db);
    const owned = await newChat(ws, ws.member.identityId, 'Owned');
    const participating = await newChat(ws, ws.contact.identityId, 'Participating');
    await insertParticipant(t.db, { chatId: participating.id, memberId: ws.member.id });
    const assigned = await newChat(ws, ws.contact.identityId, 'Assigned');
    await updateOrgChatAttributes(t.db, ws.workspace.id, assigned.id, { assignedMemberId: ws.member.id });
    const others = await newChat(ws, ws.contact.identityId, 'Someone else’s');
    const shared = await newChat(ws, ws.admin.identityId, 'Public');
    await updateOrgChatAttributes(t.db, ws.workspace.id, shared.id, { visibility: 'PUBLIC_WRITE' });
    const key = await memberKey(ws, ['chats:read']);
    const mine = [owned.id, participating.id, assigned.id].sort();
    const ids = async (path: string, pick: (body: any) => string[]) => pick(await (await ws.request(path, { key })).json()).sort();
    expect(await ids('/api/v1/chats?channelTypes=sms', (b) => b.map((c: { id: string }) => c.id))).toEqual(mine);
    expect(await ids('/api/v1/chats/details', (b) => b.map((c: { id: string }) => c.id))).toEqual(mine);
    expect(await ids(`/api/v2/w/${ws.workspace.id}/chats`, (b) => b.chats.map((c: { uuid: string }) => c.uuid))).toEqual(mine);
    expect(await ids(`/v1/orgs/${ws.workspace.id}/chats`, (b) => b.map((c: { id: string }) => c.id))).toEqual(mine);
    for (const chat of [others, shared]) {
      expect((await ws.request(`/api/v1/chats/${chat.id}`, { key })).status).toBe(404);
      expect((await ws.request(`/api/v1/chats/${chat.id}/details`, { key })).status).toBe(404);
    }
    // Admin members see them all, with any chats scope.
    expect((await (await ws.request('/api/v1/chats/details', { key: ws.keys.read })).json())).toHaveLength(5);
  });

  it('makes a member who creates a v1 chat for someone else its participant, so it stays within their reach', async () => {
    const ws = await createTestWorkspace(t.db);
    const key = await memberKey(ws, ['chats:write']);
    const create = async (ownerId: string) => (await ws.request('/api/v1/chats', { method: 'POST', body: { ownerId, channelId: ws.channels.sms.id, title: null }, key })).json();
    const forContact = await create(ws.contact.identityId);
    expect((await ws.request(`/api/v1/chats/${forContact.id}`, { key })).status).toBe(200);
    const own = await create(ws.member.identityId);
    const rows = await t.db.selectFrom('participants').select(['chat_id', 'member_id', 'role']).where('chat_id', 'in', [forContact.id, own.id]).execute();
    expect(rows).toEqual([{ chat_id: forContact.id, member_id: ws.member.id, role: 'admin' }]);
    // Admin members reach every chat already: nothing is added for them.
    const byAdmin = await (await ws.request('/api/v1/chats', { method: 'POST', body: { ownerId: ws.contact.identityId, channelId: null, title: null }, key: ws.keys.write })).json();
    expect(await t.db.selectFrom('participants').select('id').where('chat_id', '=', byAdmin.id).execute()).toEqual([]);
  });

  it('leaves chats of anonymous end users out of every list, lookup and count without chats:admin', async () => {
    const ws = await createTestWorkspace(t.db);
    const visitor = await insertContact(t.db, { workspaceId: ws.workspace.id, name: 'Visitor 9', isAnonymous: true });
    const known = await newChat(ws, ws.contact.identityId, 'Known');
    const anonymous = await newChat(ws, visitor.identityId, 'Anonymous');
    for (const chat of [known, anonymous]) {
      await t.db.updateTable('chats').set({ needs_response: true }).where('id', '=', chat.id).execute();
      await ws.appendMessages(chat.id, [
        { role: 'user', content: 'hello', authorId: ws.contact.identityId },
        { role: 'assistant', content: 'looking', authorId: ws.agent.identityId, toolCalls: [{ id: 'c1', name: `lookup_${chat.title}`, arguments: {} }] },
      ] as never);
    }
    const v2 = `/api/v2/w/${ws.workspace.id}/chats`;
    const seen = async (key: string | undefined) => {
      const get = async (path: string) => (await ws.request(path, { key })).json();
      const daily = (await get(`${v2}/stats/daily-creation`)).dailyStats as Array<{ count: number }>;
      return {
        v1: (await get('/api/v1/chats?channelTypes=sms')).map((c: { title: string }) => c.title).sort(),
        details: (await get('/api/v1/chats/details')).map((c: { title: string }) => c.title).sort(),
        v2: (await get(v2)).chats.map((c: { title: string }) => c.title).sort(),
        org: (await get(`/v1/orgs/${ws.workspace.id}/chats`)).map((c: { title: string }) => c.title).sort(),
        needsResponse: await get(`${v2}/needs-response`),
        created: daily.reduce((n, d) => n + d.count, 0),
        tools: await get(`${v2}/tool-call-names`),
        byId: [
          (await ws.request(`/api/v1/chats/${anonymous.id}`, { key })).status,
          (await ws.request(`${v2}/${anonymous.number}/messages`, { key })).status,
          (await ws.request(`/v1/orgs/${ws.workspace.id}/chats/${anonymous.id}/read`, { method: 'POST', key })).status,
        ],
      };
    };
    // An admin member reading with chats:read: every chat but the anonymous one.
    expect(await seen(ws.keys.read)).toEqual({
      v1: ['Known'], details: ['Known'], v2: ['Known'], org: ['Known'], needsResponse: [known.number], created: 1, tools: ['lookup_Known'], byId: [404, 404, 404],
    });
    expect(await seen(ws.keys.all)).toEqual({
      v1: ['Anonymous', 'Known'], details: ['Anonymous', 'Known'], v2: ['Anonymous', 'Known'], org: ['Anonymous', 'Known'],
      needsResponse: [known.number, anonymous.number].sort((a, b) => a - b), created: 2, tools: ['lookup_Anonymous', 'lookup_Known'], byId: [200, 200, 200],
    });
    // Asking for them still needs chats:admin.
    expect((await ws.request(`${v2}?isAnonymous=true`, { key: ws.keys.read })).status).toBe(403);
  });

  it('counts only the chats within the caller’s reach, anonymous ones with chats:admin only, in the inbox statistics', async () => {
    const ws = await createTestWorkspace(t.db);
    const visitor = await insertContact(t.db, { workspaceId: ws.workspace.id, name: 'Visitor 3', isAnonymous: true });
    await newChat(ws, ws.member.identityId, 'Mine');
    await newChat(ws, ws.contact.identityId, 'Theirs');
    await newChat(ws, visitor.identityId, 'Anonymous');
    const from = new Date(Date.now() - 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const conversations = async (key: string) => {
      const res = await ws.request(`/v1/chatbots/${ws.agent.identityId}/statistics/inbox?from=${from}&to=${to}`, { key });
      expect(res.status).toBe(200);
      return ((await res.json()) as { conversations: number }).conversations;
    };
    expect(await conversations(await memberKey(ws, ['statistics:read']))).toBe(1);
    expect(await conversations(ws.keys.statistics!)).toBe(2);
    expect(await conversations(ws.keys.all!)).toBe(3);
  });

  it('lets no read-only key summarize or rate, not even on a chat of its own member', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await newChat(ws, ws.member.identityId, 'Mine');
    const base = `/api/v2/w/${ws.workspace.id}/chats/${chat.number}`;
    await ws.request(`${base}/messages`, { method: 'POST', body: { role: 'user', content: 'Where is my invoice?' } });
    const answer = await (await ws.request(`${base}/messages`, { method: 'POST', body: { role: 'assistant', content: 'Sent it again.' } })).json();
    for (const key of [await memberKey(ws, ['chats:read']), ws.keys.read]) {
      const summarized = await ws.request(`${base}/summarize`, { method: 'POST', key });
      expect(summarized.status).toBe(403);
      expect((await summarized.json()).error.message).toContain('chats:write');
      expect((await ws.request(`${base}/messages/${answer.uuid}/rate`, { method: 'POST', body: { rating: -1 }, key })).status).toBe(403);
    }
    const after = await (await ws.request(`${base}/messages?order=asc`)).json();
    expect(after.messages.map((m: { rating: number | null }) => m.rating)).toEqual([null, null]);
    expect((await (await ws.request(`/api/v1/chats/${chat.id}`)).json()).title).toBe('Mine');
  });

  it('keeps Idempotency-Keys per API key: two members sending the same key each get their own result', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await newChat(ws, ws.contact.identityId, 'Shared');
    await insertParticipant(t.db, { chatId: chat.id, memberId: ws.member.id });
    const base = `/api/v2/w/${ws.workspace.id}/chats/${chat.number}`;
    const headers = { 'idempotency-key': 'same-key-1' };
    const send = (key: string, content: string) => ws.request(`${base}/messages`, { method: 'POST', body: { role: 'note', content }, key, headers });
    const memberWrite = await memberKey(ws, ['chats:write']);
    const first = await send(ws.keys.write!, 'From the admin');
    const second = await send(memberWrite, 'From the member');
    const same = await send(await memberKey(ws, ['chats:write']), 'From the admin');
    for (const res of [first, second, same]) {
      expect(res.status).toBe(201);
      expect(res.headers.get('idempotent-replayed')).toBeNull();
    }
    const bodies = [await first.json(), await second.json(), await same.json()];
    expect(bodies.map((b) => b.content)).toEqual(['From the admin', 'From the member', 'From the admin']);
    expect(new Set(bodies.map((b) => b.uuid)).size).toBe(3);
    // Each key still replays its own request.
    const retry = await send(memberWrite, 'From the member');
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect((await retry.json()).uuid).toBe(bodies[1].uuid);
  });

  it('answers 404 for a channel report on a channel the chatbot does not answer on', async () => {
    const ws = await createTestWorkspace(t.db);
    const report = (channelId: string) =>
      ws.request(`/v1/chatbots/${ws.agent.identityId}/statistics/reports/channel?${PERIOD}&interval=86400&components=0,1&channelId=${channelId}`, { key: ws.keys.statistics });
    // The api channel is answered by the other agent; the widget by a squad the agent belongs to.
    const elsewhere = await report(ws.channels.api.id);
    expect(elsewhere.status).toBe(404);
    expect((await elsewhere.json()).error).toMatchObject({ code: 'not_found', message: 'Channel not found' });
    expect((await report(ws.channels.widget.id)).status).toBe(200);
    expect((await report(ws.channels.sms.id)).status).toBe(200);
  });
});
