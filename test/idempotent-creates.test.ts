import { createApiKey, type ExportServices, EXPORT_KINDS } from '@parley/core';
import { insertChat, insertUser } from '@parley/db';
import { describe, expect, it } from 'vitest';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace } from './harness/workspace.js';

// Idempotency-Key on every POST that creates something, as on the message POSTs: the same key and body
// again create nothing and answer the first response (Idempotent-Replayed: true); another body under the
// key is a 422; keys belong to the API key that sent them.

const t = useTestDb();

const sent: string[] = [];
const exports: ExportServices = { queue: { send: async (id) => void sent.push(id) }, store: { upload: async () => {}, downloadUrl: async () => '/local-exports/x' }, waitMs: 0, linkTtlSeconds: 60, kinds: EXPORT_KINDS, maxReceives: 4 };

describe('POST /api/v1/chats with an Idempotency-Key', () => {
  it('makes one chat of the same key sent twice, and a new one for a new key', async () => {
    const ws = await createTestWorkspace(t.db);
    const body = { ownerId: ws.contact.identityId, channelId: ws.channels.sms.id, title: 'Once' };
    const create = (key: string, b: unknown = body, apiKey?: string) => ws.request('/api/v1/chats', { method: 'POST', body: b, headers: { 'idempotency-key': key }, key: apiKey });
    const first = await create('create-1');
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const chat = await first.json();
    const retry = await create('create-1');
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(chat);
    const titles = async () => (await t.db.selectFrom('chats').select('title').where('workspace_id', '=', ws.workspace.id).execute()).map((r) => r.title);
    expect(await titles()).toEqual(['Once']);

    const changed = await create('create-1', { ...body, title: 'Twice' });
    expect(changed.status).toBe(422);
    expect((await changed.json()).error).toMatchObject({ code: 'idempotency_mismatch', issues: [{ path: 'header.idempotency-key' }] });
    // Another API key's same key is its own.
    const otherKey = await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['chats:write'] });
    const other = await create('create-1', body, otherKey.token);
    expect(other.status).toBe(200);
    expect((await other.json()).id).not.toBe(chat.id);
    expect((await create('create-2')).status).toBe(200);
    expect(await titles()).toHaveLength(3);
  });

  it('lets a retry run again when the first request failed before it created anything', async () => {
    const ws = await createTestWorkspace(t.db);
    const other = await createTestWorkspace(t.db);
    const headers = { 'idempotency-key': 'after-404' };
    const missing = await ws.request('/api/v1/chats', { method: 'POST', body: { ownerId: other.contact.identityId, channelId: null, title: null }, headers });
    expect(missing.status).toBe(404);
    // The same key, now with an owner that exists (a different body), runs: the failed request kept nothing.
    const created = await ws.request('/api/v1/chats', { method: 'POST', body: { ownerId: ws.contact.identityId, channelId: null, title: null }, headers });
    expect(created.status).toBe(200);
    expect(created.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('POST .../chats/{chat_id}/participants with an Idempotency-Key', () => {
  it('answers a retry with the participant the first request added, not "already a participant"', async () => {
    const ws = await createTestWorkspace(t.db);
    const chat = await insertChat(t.db, {
      workspaceId: ws.workspace.id, channelId: ws.channels.sms.id, ownerId: ws.contact.identityId, responderId: ws.agent.identityId,
      currentResponderId: ws.agent.identityId, responderVersionId: null, title: 'Team',
    });
    const newcomer = await insertUser(t.db, { workspaceId: ws.workspace.id, name: 'Nia Newcomer' });
    const path = `/api/v2/w/${ws.workspace.id}/chats/${chat.number}/participants`;
    const add = (key?: string) => ws.request(path, { method: 'POST', body: { memberId: newcomer.id }, headers: key ? { 'idempotency-key': key } : {} });
    const first = await add('join-1');
    expect(first.status).toBe(200);
    const added = await first.json();
    const retry = await add('join-1');
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(added);
    // Without a key (or with a new one) the seed's 400 for a member who already takes part.
    expect((await add()).status).toBe(400);
    expect((await add('join-2')).status).toBe(400);
    expect(await t.db.selectFrom('participants').select('id').where('chat_id', '=', chat.id).execute()).toEqual([{ id: added.participantId }]);
  });
});

describe('POST /v1/chatbots/{chatbotId}/statistics/export with an Idempotency-Key', () => {
  it('answers a retry with the first job as it is now, even once it has finished', async () => {
    const ws = await createTestWorkspace(t.db, { exports });
    const path = `/v1/chatbots/${ws.agent.identityId}/statistics/export?from=2026-01-01T00:00:00Z&to=2026-01-31T23:59:59Z`;
    const post = (headers: Record<string, string> = {}) => ws.request(path, { method: 'POST', headers });
    const first = await post({ 'idempotency-key': 'stats-1' });
    expect(first.status).toBe(202);
    const job = await first.json();
    await t.db.updateTable('export_jobs').set({ status: 'completed', completed_at: new Date(), row_count: 0, byte_count: 0, object_key: 'x.csv' }).where('id', '=', job.exportId).execute();
    const retry = await post({ 'idempotency-key': 'stats-1' });
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toMatchObject({ exportId: job.exportId, status: 'completed' });
    // Without the key, an identical request after the job finished starts another.
    const fresh = await post();
    expect((await fresh.json()).exportId).not.toBe(job.exportId);
    const otherPeriod = await ws.request(path.replace('2026-01-31', '2026-01-30'), { method: 'POST', headers: { 'idempotency-key': 'stats-1' } });
    expect(otherPeriod.status).toBe(422);
  });
});

describe('the OpenAPI document', () => {
  // POSTs that create or send nothing: they set a rating or a read marker, and setting it twice is setting it once.
  const NOTHING_CREATED = ['/api/v2/w/{workspace_uuid}/chats/{chat_id}/messages/{uuid}/rate', '/v1/orgs/{org_id}/chats/{chat_id}/read', '/api/v2/w/{workspace_uuid}/keys/{key_id}/revoke'];
  // POSTs whose answer holds a new key's secret: replaying it would mean storing the secret in clear, which
  // the keys table never does (it keeps a hash). A client that lost the answer lists the keys and revokes the orphan.
  const SECRET_IN_ANSWER = ['/api/v2/w/{workspace_uuid}/keys', '/api/v2/w/{workspace_uuid}/keys/{key_id}/rotate'];

  it('declares Idempotency-Key, the replay header and the 409/422 on every POST that creates something', async () => {
    const app = createLocalApp({ db: () => Promise.reject(new Error('no database in this test')) });
    const doc = (await (await app.request('/openapi.json')).json()) as any;
    const posts = Object.entries<any>(doc.paths).filter(([path, item]) => item.post && !NOTHING_CREATED.includes(path) && !SECRET_IN_ANSWER.includes(path));
    expect(posts.map(([path]) => path)).toEqual(expect.arrayContaining(['/api/v1/chats', '/api/v2/w/{workspace_uuid}/chats/{chat_id}/participants', '/v1/chatbots/{chatbotId}/statistics/export']));
    for (const [path, item] of posts) {
      const op = item.post;
      expect(op.parameters?.map((p: { name: string; in: string }) => `${p.in}:${p.name}`), `POST ${path}`).toContain('header:idempotency-key');
      expect(Object.keys(op.responses), `POST ${path}`).toEqual(expect.arrayContaining(['409', '422']));
      const success = Object.entries<any>(op.responses).find(([status]) => status.startsWith('2'))![1];
      expect(success.headers?.['Idempotent-Replayed'], `POST ${path}`).toBeDefined();
    }
  });
});
