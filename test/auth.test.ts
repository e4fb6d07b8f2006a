import { describe, expect, it } from 'vitest';
import { authenticate, createApiKey, parseScopes } from '@parley/core';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { useTestDb } from './harness/db.js';
import { QueryCounter } from './harness/query-counter.js';
import { createTestWorkspace } from './harness/workspace.js';

const t = useTestDb();

describe('API keys', () => {
  it('accepts the key as Bearer, bare Authorization or x-api-key', async () => {
    const ws = await createTestWorkspace(t.db);
    for (const headers of <Array<Record<string, string>>>[
      { authorization: `Bearer ${ws.keys.read}` },
      { authorization: `bearer ${ws.keys.read}` },
      { authorization: ws.keys.read! },
      { 'x-api-key': ws.keys.read! },
    ]) {
      const res = await ws.request('/api/v1/chats', { key: null, headers });
      expect(res.status, JSON.stringify(Object.keys(headers))).toBe(200);
    }
  });

  it('answers 401 for missing, malformed, unknown and tampered keys', async () => {
    const ws = await createTestWorkspace(t.db);
    const tampered = `${ws.keys.read!.slice(0, -1)}${ws.keys.read!.endsWith('A') ? 'B' : 'A'}`;
    for (const key of [null, 'nope', 'prl_AAAAAAAAAAAA_BBBBBBBBBBBBBBBBBBBB', tampered]) {
      const res = await ws.request('/api/v1/chats', { key });
      expect(res.status, String(key)).toBe(401);
      expect((await res.json()).error.code).toBe('unauthorized');
    }
  });

  it('answers 403 for a known key without the scope', async () => {
    const ws = await createTestWorkspace(t.db);
    const res = await ws.request('/api/v1/chats', { key: ws.keys.statistics });
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toContain('chats:read');
  });

  it('stores only a hash, and broader scopes imply narrower ones', async () => {
    const ws = await createTestWorkspace(t.db);
    const { token, keyId } = await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.member.id, scopes: ['chats:admin'] });
    const row = await t.db.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirstOrThrow();
    expect(row.secret_hash).not.toContain(token.split('_').slice(2).join('_'));
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    const principal = await authenticate(t.db, token);
    expect(principal).toMatchObject({ workspaceId: ws.workspace.id, memberId: ws.member.id, memberRole: 'member' });
    expect([...principal.scopes].sort()).toEqual(['chats:admin', 'chats:read', 'chats:write']);
  });

  it('refuses revoked keys and keys for members of other workspaces', async () => {
    const ws = await createTestWorkspace(t.db);
    const other = await createTestWorkspace(t.db);
    const { token, keyId } = await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['chats:read'] });
    await t.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', keyId).execute();
    expect((await ws.request('/api/v1/chats', { key: token })).status).toBe(401);
    await expect(createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: other.admin.id, scopes: ['chats:read'] })).rejects.toMatchObject({ code: 'not_found' });
    await expect(createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.agent.memberId, scopes: ['chats:read'] })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('parses scope lists and rejects unknown scopes', () => {
    expect(parseScopes('chats:read, chats:write chats:read')).toEqual(['chats:read', 'chats:write']);
    expect(() => parseScopes('chats:read,chats:delete')).toThrow(/chats:delete/);
    expect(() => parseScopes('')).toThrow();
  });
});

describe('authentication cost', () => {
  it('looks the key up once per request, on bare and nested paths of every group', async () => {
    const ws = await createTestWorkspace(t.db);
    const counter = new QueryCounter();
    const app = createLocalApp({ db: async () => t.db.withPlugin(counter) });
    const queries = async (path: string) => {
      const before = counter.count;
      const res = await app.request(path, { headers: { authorization: `Bearer ${ws.keys.read}` } });
      expect(res.status, path).toBe(200);
      return counter.count - before;
    };
    // A key lookup plus the endpoint's own statement: one each.
    expect(await queries('/api/v1/chats')).toBe(2);
    expect(await queries(`/api/v2/w/${ws.workspace.id}/chats/needs-response`)).toBe(2);
    expect(await queries(`/api/v2/w/${ws.workspace.id}/chats`)).toBe(2);
  });
});
