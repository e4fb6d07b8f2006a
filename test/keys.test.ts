import { createApiKey } from '@parley/core';
import { describe, expect, it } from 'vitest';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace } from './harness/workspace.js';

// The API key lifecycle through the API (an admin member's keys:admin key): create with scopes, a name
// and an expiry; list without secrets; revoke at once; rotate with a grace period; expiry; last use.

const t = useTestDb();

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('API keys through the API', () => {
  it('creates a key with scopes, a name and an expiry, shows its token once, and lists keys without secrets, page by page', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/keys`;
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const created = await ws.request(base, { method: 'POST', body: { name: 'CI export job', scopes: ['chats:read', 'statistics:read'], memberId: ws.member.id, expiresAt } });
    expect(created.status).toBe(201);
    const key = await created.json();
    expect(key).toMatchObject({ name: 'CI export job', scopes: ['chats:read', 'statistics:read'], memberId: ws.member.id, memberName: 'Mo Member', state: 'active', expiresAt, lastUsedAt: null, revokedAt: null });
    expect(key.token).toMatch(new RegExp(`^${key.prefix}_[A-Za-z0-9_-]{20,}$`));
    // The new key works, as the member, with its scopes only.
    expect((await ws.request('/api/v1/chats', { key: key.token })).status).toBe(200);
    expect((await ws.request(`/api/v2/w/${ws.workspace.id}/chats/needs-response`, { key: key.token })).status).toBe(200);
    expect((await ws.request(base, { key: key.token })).status).toBe(403);

    // Pages of 2, newest first, none holding a secret or a hash.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await (await ws.request(`${base}?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json();
      expect(page.keys.length).toBeLessThanOrEqual(2);
      for (const k of page.keys) {
        expect(Object.keys(k).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'memberId', 'memberName', 'name', 'prefix', 'previousSecretExpiresAt', 'revokedAt', 'rotatedAt', 'scopes', 'state']);
        seen.push(k.prefix);
      }
      cursor = page.nextCursor;
      expect(page.hasMore).toBe(cursor !== null);
    } while (cursor);
    // The harness's four keys and the new one, newest first.
    expect(seen).toHaveLength(5);
    expect(seen[0]).toBe(key.prefix);
    expect(JSON.stringify(seen)).not.toContain(key.token.slice(key.prefix.length + 1));
    expect((await ws.request(`${base}?cursor=forged.cursor`)).status).toBe(400);
  });

  it('validates what it is given: scopes, expiry bounds, the member, and scopes the caller lacks', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/keys`;
    const post = (body: unknown, key?: string) => ws.request(base, { method: 'POST', body, key });
    const code = async (res: Promise<Response>) => {
      const r = await res;
      return `${r.status} ${((await r.json()) as any).error?.code}`;
    };
    expect(await code(post({ scopes: [] }))).toBe('400 validation_failed');
    expect(await code(post({ scopes: ['chats:everything'] }))).toBe('400 validation_failed');
    expect(await code(post({ scopes: ['chats:read'], expiresAt: new Date(Date.now() - 1000).toISOString() }))).toBe('400 validation_failed');
    expect(await code(post({ scopes: ['chats:read'], expiresAt: new Date(Date.now() + 800 * 86_400_000).toISOString() }))).toBe('400 validation_failed');
    expect(await code(post({ scopes: ['chats:read'], memberId: 987_654 }))).toBe('404 not_found');
    expect(await code(post({ scopes: ['chats:read'], memberId: ws.agent.memberId }))).toBe('400 bad_request');
    // A keys:admin key grants only what it holds itself.
    const keysOnly = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['keys:admin', 'chats:read'] })).token;
    expect(await code(post({ scopes: ['chats:admin'] }, keysOnly))).toBe('403 forbidden');
    expect(await code(post({ scopes: ['chats:read'] }, keysOnly))).toBe('201 undefined');
    // Another workspace's keys are not found.
    const other = await createTestWorkspace(t.db);
    const foreign = (await (await other.request(`/api/v2/w/${other.workspace.id}/keys?limit=1`)).json()).keys[0].prefix;
    expect(await code(ws.request(`${base}/${foreign}`))).toBe('404 not_found');
    expect(await code(ws.request(`${base}/${foreign}/revoke`, { method: 'POST' }))).toBe('404 not_found');
  });

  it('revokes a key at once, and keeps the first revocation time', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/keys`;
    const { token, keyId } = await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['chats:read'] });
    expect((await ws.request('/api/v1/chats', { key: token })).status).toBe(200);
    const revoked = await (await ws.request(`${base}/prl_${keyId}/revoke`, { method: 'POST' })).json();
    expect(revoked).toMatchObject({ state: 'revoked', revokedAt: expect.any(String) });
    const res = await ws.request('/api/v1/chats', { key: token });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('unauthorized');
    const again = await (await ws.request(`${base}/${keyId}/revoke`, { method: 'POST' })).json();
    expect(again.revokedAt).toBe(revoked.revokedAt);
    // A revoked key cannot be rotated back to life.
    expect((await ws.request(`${base}/${keyId}/rotate`, { method: 'POST' })).status).toBe(409);
  });

  it('rotates a key: the new secret works, the old one for the grace period, then 401 key_expired', async () => {
    const ws = await createTestWorkspace(t.db);
    const base = `/api/v2/w/${ws.workspace.id}/keys`;
    const { token: old, keyId } = await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['chats:read'] });
    const res = await ws.request(`${base}/${keyId}/rotate`, { method: 'POST', body: { gracePeriodSeconds: 3600 } });
    expect(res.status).toBe(200);
    const rotated = await res.json();
    expect(rotated.token.startsWith(`prl_${keyId}_`) && rotated.token !== old).toBe(true);
    const grace = Date.parse(rotated.previousSecretExpiresAt) - Date.parse(rotated.rotatedAt);
    expect(grace).toBe(3600_000);
    for (const key of [old, rotated.token]) expect((await ws.request('/api/v1/chats', { key })).status).toBe(200);
    // The grace period ends.
    await t.db.updateTable('api_keys').set({ previous_secret_expires_at: new Date(Date.now() - 1000) }).where('id', '=', keyId).execute();
    const late = await ws.request('/api/v1/chats', { key: old });
    expect(late.status).toBe(401);
    expect((await late.json()).error).toMatchObject({ code: 'key_expired', message: expect.stringContaining('rotation') });
    expect((await ws.request('/api/v1/chats', { key: rotated.token })).status).toBe(200);
    // Without a body, the configured grace period (24 h by default); 0 ends the old secret at once.
    const twice = await (await ws.request(`${base}/${keyId}/rotate`, { method: 'POST' })).json();
    expect(Date.parse(twice.previousSecretExpiresAt) - Date.parse(twice.rotatedAt)).toBe(86_400_000);
    const thrice = await (await ws.request(`${base}/${keyId}/rotate`, { method: 'POST', body: { gracePeriodSeconds: 0 } })).json();
    expect(thrice.previousSecretExpiresAt).toBeNull();
    expect((await ws.request('/api/v1/chats', { key: twice.token })).status).toBe(401);
    expect((await ws.request('/api/v1/chats', { key: thrice.token })).status).toBe(200);
    expect((await ws.request(`${base}/${keyId}/rotate`, { method: 'POST', body: { gracePeriodSeconds: 8 * 86_400 } })).status).toBe(400);
  });

  it('answers an expired key 401 key_expired, and lists it as expired', async () => {
    const ws = await createTestWorkspace(t.db);
    const { token, keyId } = await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['chats:read'], expiresAt: new Date(Date.now() + 3600_000) });
    expect((await ws.request('/api/v1/chats', { key: token })).status).toBe(200);
    await t.db.updateTable('api_keys').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', keyId).execute();
    const res = await ws.request('/api/v1/chats', { key: token });
    expect(res.status).toBe(401);
    expect((await res.json()).error).toMatchObject({ code: 'key_expired', message: expect.stringMatching(/^This API key expired at \S+Z; create a new one$/) });
    // The wrong secret for the same id is no key at all, expired or not.
    const wrong = await ws.request('/api/v1/chats', { key: `prl_${keyId}_${'x'.repeat(32)}` });
    expect((await wrong.json()).error.code).toBe('unauthorized');
    expect((await (await ws.request(`/api/v2/w/${ws.workspace.id}/keys/${keyId}`)).json()).state).toBe('expired');
  });

  it('records the last use at most once a minute per key, in the lookup itself', async () => {
    const ws = await createTestWorkspace(t.db);
    const { token, keyId } = await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['chats:read'] });
    const lastUsed = async () => (await t.db.selectFrom('api_keys').select('last_used_at').where('id', '=', keyId).executeTakeFirstOrThrow()).last_used_at;
    expect(await lastUsed()).toBeNull();
    await ws.request('/api/v1/chats', { key: token });
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    await ws.request('/api/v1/chats', { key: token });
    expect((await lastUsed())?.getTime()).toBe(first!.getTime());
    // A minute later it moves again.
    const earlier = new Date(first!.getTime() - 61_000);
    await t.db.updateTable('api_keys').set({ last_used_at: earlier }).where('id', '=', keyId).execute();
    await ws.request('/api/v1/chats', { key: token });
    expect((await lastUsed())!.getTime()).toBeGreaterThan(earlier.getTime() + 60_000);
    // A failed attempt with the wrong secret moves nothing.
    await t.db.updateTable('api_keys').set({ last_used_at: earlier }).where('id', '=', keyId).execute();
    await ws.request('/api/v1/chats', { key: `prl_${keyId}_${'y'.repeat(32)}` });
    expect((await lastUsed())!.getTime()).toBe(earlier.getTime());
  });
});
