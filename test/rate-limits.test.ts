import { createApiKey, parseConfig, type RateLimits } from '@parley/core';
import { createProviders } from '@parley/core/providers';
import { describe, expect, it } from 'vitest';
import { createLocalApp } from '../packages/functions/src/local/app.js';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace } from './harness/workspace.js';

// Rate limits per API key, counted in Postgres by the statement that looks the key up: the IETF draft's
// RateLimit headers on every authenticated response, 429 with Retry-After past the limit, a new window
// after the old one ends, and one limit across app instances (Lambda instances) over one database.

const t = useTestDb();
const providers = createProviders(parseConfig({}).providers, { log: () => {} });

function appWith(limits: RateLimits) {
  return createLocalApp({ db: async () => t.db, providers: () => providers, rateLimits: () => limits });
}

const LIMITS: RateLimits = { enabled: true, windowSeconds: 60, limits: { default: 3, admin: 5 } };

describe('rate limits per API key', () => {
  it('tells each authenticated response where the key stands, and answers 429 with Retry-After past the limit', async () => {
    const ws = await createTestWorkspace(t.db);
    const app = appWith(LIMITS);
    const { token } = await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['chats:read'] });
    const get = (path = '/api/v1/chats') => app.request(path, { headers: { authorization: `Bearer ${token}` } });
    const seen: Array<[number, string | null, string | null]> = [];
    for (let i = 0; i < 4; i++) {
      const res = await get();
      seen.push([res.status, res.headers.get('ratelimit-limit'), res.headers.get('ratelimit-remaining')]);
      const reset = Number(res.headers.get('ratelimit-reset'));
      expect(reset >= 1 && reset <= 60, `reset ${reset}`).toBe(true);
      expect(res.headers.get('ratelimit-policy')).toBe('3;w=60');
      if (res.status === 429) {
        expect(res.headers.get('retry-after')).toBe(String(reset));
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('rate_limited');
        expect(body.error.message).toMatch(/more than 3 requests in 60 s \(its default limit\); retry in \d+ s$/);
      }
    }
    expect(seen).toEqual([
      [200, '3', '2'],
      [200, '3', '1'],
      [200, '3', '0'],
      [429, '3', '0'],
    ]);
    // Errors after authentication carry them too; a request without a valid key is not counted (and has none).
    const notFound = await get(`/api/v1/chats/${crypto.randomUUID()}`);
    expect([notFound.status, notFound.headers.get('ratelimit-remaining')]).toEqual([429, '0']);
    const anonymous = await app.request('/api/v1/chats');
    expect([anonymous.status, anonymous.headers.get('ratelimit-limit')]).toEqual([401, null]);
    // Keys holding chats:admin or keys:admin are of the admin class.
    const admin = await app.request('/api/v1/chats', { headers: { authorization: `Bearer ${ws.keys.all}` } });
    expect([admin.headers.get('ratelimit-limit'), admin.headers.get('ratelimit-remaining')]).toEqual(['5', '4']);
  });

  it('starts a new window when the old one ends', async () => {
    const ws = await createTestWorkspace(t.db);
    const app = appWith(LIMITS);
    const { token, keyId } = await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['chats:read'] });
    const get = () => app.request('/api/v1/chats', { headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 4; i++) await get();
    expect((await get()).status).toBe(429);
    // The window this count belongs to ended a minute ago.
    const row = await t.db.selectFrom('api_key_rate_windows').selectAll().where('api_key_id', '=', keyId).executeTakeFirstOrThrow();
    expect(row.count).toBe(5);
    await t.db.updateTable('api_key_rate_windows').set({ window_start: new Date(row.window_start.getTime() - 60_000) }).where('api_key_id', '=', keyId).execute();
    const fresh = await get();
    expect([fresh.status, fresh.headers.get('ratelimit-remaining')]).toEqual([200, '2']);
  });

  it('holds one limit across two app instances over one database', async () => {
    const ws = await createTestWorkspace(t.db);
    const instances = [appWith(LIMITS), appWith(LIMITS)];
    const { token } = await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['chats:read'] });
    // Six requests at once, three on each instance: exactly three pass.
    const statuses = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => (await instances[i % 2]!.request('/api/v1/chats', { headers: { authorization: `Bearer ${token}` } })).status),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    // Another key has its own count.
    const other = (await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['chats:read'] })).token;
    expect((await instances[1]!.request('/api/v1/chats', { headers: { authorization: `Bearer ${other}` } })).status).toBe(200);
  });

  it('sends no headers and counts nothing when rate limits are off', async () => {
    const ws = await createTestWorkspace(t.db);
    const app = appWith({ enabled: false });
    const { token, keyId } = await createApiKey(t.db, { workspaceId: ws.workspace.id, memberId: ws.admin.id, scopes: ['chats:read'] });
    const res = await app.request('/api/v1/chats', { headers: { authorization: `Bearer ${token}` } });
    expect([res.status, res.headers.get('ratelimit-limit')]).toEqual([200, null]);
    expect(await t.db.selectFrom('api_key_rate_windows').select('count').where('api_key_id', '=', keyId).executeTakeFirst()).toBeUndefined();
  });
});
