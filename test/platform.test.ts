import { promisify } from 'node:util';
import { brotliDecompress, gunzip } from 'node:zlib';
import { parseApiKey, parseConfig } from '@parley/core';
import { createProviders } from '@parley/core/providers';
import { createDb, insertChannel, insertChat, insertContact, insertUser, knownMigrations } from '@parley/db';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLocalApp, type LocalAppOptions } from '../packages/functions/src/local/app.js';
import { emfSink, prometheusRegistry } from '../packages/functions/src/shared/metrics.js';
import { runRollup } from '../packages/functions/src/workers/stats-rollup.js';
import { useTestDb } from './harness/db.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// The conventions every response shares, on the local app (the Lambda handler test checks them through
// the built bundle): CORS, compression, conditional GET, 405, 415, trailing slashes, health checks,
// metrics, the line per request and the error log.

const t = useTestDb();
const providers = createProviders(parseConfig({}).providers, { log: () => {} });

let ws: TestWorkspace;
let chatId: string;

beforeAll(async () => {
  ws = await createTestWorkspace(t.db);
  // A list well over the compression threshold.
  for (let i = 0; i < 12; i++) {
    const res = await ws.request('/api/v1/chats', { method: 'POST', body: { channelId: ws.channels.sms.id, ownerId: ws.contact.identityId, title: `Order question number ${i}` } });
    expect(res.status).toBe(200);
    chatId ??= (await res.json()).id;
  }
});

afterEach(() => {
  vi.restoreAllMocks();
});

function appWith(options: LocalAppOptions = {}, db = async () => t.db) {
  const app = createLocalApp({ db, providers: () => providers }, options);
  return (path: string, init: { method?: string; headers?: Record<string, string>; body?: string; key?: string | null } = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    const key = init.key === undefined ? ws.keys.all : init.key;
    if (key) headers.authorization = `Bearer ${key}`;
    return app.request(path, { method: init.method ?? 'GET', headers, body: init.body });
  };
}

describe('CORS', () => {
  const origin = 'https://app.example.test';

  it('answers a preflight without a key: 204 with Allow and, for an allowed origin, the grant', async () => {
    const call = appWith({ cors: [origin] });
    const preflight = await call(`/api/v1/chats/${chatId}/details`, { method: 'OPTIONS', key: null, headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('idempotency-key');
    expect(Number(preflight.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    expect(preflight.headers.get('vary')).toContain('Origin');
    // Another origin's preflight gets the methods, not the grant; a browser then refuses the call.
    const other = await call('/api/v1/chats', { method: 'OPTIONS', key: null, headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.status).toBe(204);
    expect(other.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    // OPTIONS on a path the API does not serve is a 404 like any other method.
    const unknown = await call('/api/v9/nothing', { method: 'OPTIONS', key: null, headers: { origin, 'access-control-request-method': 'GET' } });
    expect(unknown.status).toBe(404);
  });

  it('names the allowed origin on responses, errors included, and exposes the headers clients read', async () => {
    const call = appWith({ cors: [origin] });
    const res = await call('/api/v1/chats?pageSize=2', { headers: { origin } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    for (const header of ['x-request-id', 'link', 'x-has-more', 'etag']) expect(res.headers.get('access-control-expose-headers')).toContain(header);
    const denied = await call('/api/v1/chats', { headers: { origin }, key: null });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('access-control-allow-origin')).toBe(origin);
    expect((await call('/api/v1/chats', { headers: { origin: 'https://evil.example' } })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows no origin unless configured, and any with *', async () => {
    const none = await appWith()('/api/v1/chats', { method: 'OPTIONS', key: null, headers: { origin, 'access-control-request-method': 'GET' } });
    expect(none.status).toBe(204);
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
    const any = appWith({ cors: '*' });
    expect((await any('/api/v1/chats', { headers: { origin } })).headers.get('access-control-allow-origin')).toBe('*');
    const preflight = await any('/v1/orgs/x/chats', { method: 'OPTIONS', key: null, headers: { origin, 'access-control-request-method': 'GET' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('compression', () => {
  const call = appWith();

  it('compresses JSON over the threshold with gzip or br, as Accept-Encoding allows', async () => {
    const plain = await call('/api/v1/chats/details?pageSize=100');
    const text = await plain.text();
    expect(text.length).toBeGreaterThan(1024);
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('vary')).toContain('Accept-Encoding');

    const gzipped = await call('/api/v1/chats/details?pageSize=100', { headers: { 'accept-encoding': 'gzip, deflate' } });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(gzipped.headers.get('content-type')).toContain('application/json');
    const gzBytes = Buffer.from(await gzipped.arrayBuffer());
    expect(gzBytes.length).toBeLessThan(text.length / 2);
    expect((await promisify(gunzip)(gzBytes)).toString()).toBe(text);

    const brotli = await call('/api/v1/chats/details?pageSize=100', { headers: { 'accept-encoding': 'gzip;q=0.8, br' } });
    expect(brotli.headers.get('content-encoding')).toBe('br');
    expect((await promisify(brotliDecompress)(Buffer.from(await brotli.arrayBuffer()))).toString()).toBe(text);

    // Refused encodings are not used.
    expect((await call('/api/v1/chats/details?pageSize=100', { headers: { 'accept-encoding': 'br;q=0, identity' } })).headers.get('content-encoding')).toBeNull();
  });

  it('leaves small bodies as they are', async () => {
    const res = await call(`/api/v1/chats/${chatId}`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(((await res.json()) as any).id).toBe(chatId);
  });
});

describe('conditional GET', () => {
  const call = appWith();

  it('gives single resources and lists a weak ETag and answers 304 to If-None-Match until the resource changes', async () => {
    const first = await call(`/api/v1/chats/${chatId}`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/".+"$/);
    const again = await call(`/api/v1/chats/${chatId}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.headers.get('x-request-id')).toBeTruthy();
    expect(again.headers.get('content-type')).toBeNull();
    // Any of several tags, strong or weak, matches by its opaque part.
    expect((await call(`/api/v1/chats/${chatId}`, { headers: { 'if-none-match': `"other", ${etag.slice(2)}` } })).status).toBe(304);

    expect((await call(`/api/v1/chats/${chatId}`, { method: 'PATCH', body: JSON.stringify({ title: 'Renamed' }), headers: { 'content-type': 'application/json' } })).status).toBe(200);
    const changed = await call(`/api/v1/chats/${chatId}`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);

    const list = await call('/api/v1/chats/details?pageSize=5', { headers: { 'accept-encoding': 'gzip' } });
    const listTag = list.headers.get('etag')!;
    expect(listTag).toMatch(/^W\//);
    const unchanged = await call('/api/v1/chats/details?pageSize=5', { headers: { 'accept-encoding': 'gzip', 'if-none-match': listTag } });
    expect(unchanged.status).toBe(304);
    expect(unchanged.headers.get('vary')).toContain('Accept-Encoding');
  });

  it('puts no ETag on writes or errors', async () => {
    const created = await call('/api/v1/chats', { method: 'POST', body: JSON.stringify({ channelId: null, ownerId: ws.contact.identityId, title: null }), headers: { 'content-type': 'application/json' } });
    expect(created.status).toBe(200);
    expect(created.headers.get('etag')).toBeNull();
    expect((await call('/api/v1/chats/00000000-0000-4000-8000-000000000000')).headers.get('etag')).toBeNull();
  });
});

describe('methods, media types and trailing slashes', () => {
  const call = appWith();

  it('answers a method a known path does not take with 405 and Allow, in the error shape', async () => {
    const res = await call('/api/v1/chats', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
    const body = (await res.json()) as any;
    expect(body.error).toMatchObject({ code: 'method_not_allowed', requestId: res.headers.get('x-request-id') });
    const one = await call(`/api/v1/chats/${chatId}`, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(one.status).toBe(405);
    expect(one.headers.get('allow')).toBe('DELETE, GET, HEAD, PATCH, OPTIONS');
    // Across the groups of the local server: the v2 list, the statistics, the docs, the health checks.
    expect((await call(`/api/v2/w/${ws.workspace.id}/chats`, { method: 'POST' })).status).toBe(405);
    expect((await call(`/v1/chatbots/${ws.agent.identityId}/statistics/export`, { method: 'GET' })).headers.get('allow')).toBe('POST, OPTIONS');
    expect((await call('/openapi.json', { method: 'POST' })).status).toBe(405);
    expect((await call('/health', { method: 'POST', key: null })).headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect((await call('/api/v9/nothing', { method: 'DELETE' })).status).toBe(404);
  });

  it('answers a body that is not JSON with 415, and takes JSON with parameters or a +json type', async () => {
    const create = (body: string, type?: string) => call('/api/v1/chats', { method: 'POST', body, headers: type ? { 'content-type': type } : {} });
    const json = JSON.stringify({ channelId: null, ownerId: ws.contact.identityId, title: 'Typed' });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonl']) {
      const res = await create(json, type);
      expect(res.status, type).toBe(415);
      expect(((await res.json()) as any).error.code).toBe('unsupported_media_type');
    }
    expect((await create(json, 'application/json; charset=utf-8')).status).toBe(200);
    expect((await create(json, 'application/merge-patch+json')).status).toBe(200);
    // A POST without a body needs no content type.
    const chat = await insertChat(t.db, {
      workspaceId: ws.workspace.id, channelId: ws.channels.sms.id, ownerId: ws.contact.identityId,
      responderId: ws.agent.identityId, currentResponderId: ws.agent.identityId, responderVersionId: null, title: 'Read me',
    });
    expect((await call(`/v1/orgs/${ws.workspace.id}/chats/${chat.id}/read`, { method: 'POST' })).status).toBe(200);
  });

  it('serves a path with a trailing slash as the path without it', async () => {
    const bare = await call('/api/v1/chats?pageSize=3');
    const slashed = await call('/api/v1/chats/?pageSize=3');
    expect(slashed.status).toBe(200);
    expect(await slashed.json()).toEqual(await bare.json());
    expect((await call(`/api/v1/chats/${chatId}/details/`)).status).toBe(200);
    const created = await call('/api/v1/chats/', { method: 'POST', body: JSON.stringify({ channelId: null, ownerId: ws.contact.identityId, title: 'Slash' }), headers: { 'content-type': 'application/json' } });
    expect(created.status).toBe(200);
    expect((await call('/health/', { key: null })).status).toBe(200);
  });
});

describe('GET /health and /health/ready', () => {
  it('answers without a key: the process is up; ready when the database answers with every migration', async () => {
    const call = appWith();
    const live = await call('/health', { key: null });
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    expect(live.headers.get('cache-control')).toBe('no-store');
    const ready = await call('/health/ready', { key: null });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'ok', migrations: { applied: knownMigrations.length, pending: [], unknown: [] } });
    expect(ready.headers.get('etag')).toBeNull();
  });

  it('is not ready while migrations are pending, and says which', async () => {
    const fresh = await createDb({ driver: 'pglite' });
    try {
      const res = await appWith({}, async () => fresh.db)('/health/ready', { key: null });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', database: 'ok', migrations: { applied: 0, pending: [...knownMigrations], unknown: [] } });
    } finally {
      await fresh.close();
    }
  });

  it('is not ready when the database does not answer, and logs why (the client is not told)', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const call = appWith({}, () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:5432')));
    const res = await call('/health/ready', { key: null });
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: 'unavailable', database: 'unreachable', migrations: null });
    expect(text).not.toContain('10.0.0.7');
    expect(errors.mock.calls.map((c) => String(c[0])).join('\n')).toContain('ECONNREFUSED');
    // Liveness does not touch the database.
    expect((await call('/health', { key: null })).status).toBe(200);
  });
});

describe('GET /metrics', () => {
  it('renders the requests, their latency and errors per route in Prometheus text format, without a key', async () => {
    const metrics = prometheusRegistry();
    const call = appWith({ metrics });
    await call('/api/v1/chats?pageSize=1');
    await call('/api/v1/chats?pageSize=2');
    await call(`/api/v1/chats/${chatId}`, { key: null });
    await call('/api/v9/nothing');
    const res = await call('/metrics', { key: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('# TYPE parley_http_requests_total counter');
    expect(text).toContain('parley_http_requests_total{route="/api/v1/chats",method="GET"} 2');
    expect(text).toContain('parley_http_client_errors_total{route="/api/v1/chats/{id}",method="GET"} 1');
    expect(text).toContain('parley_http_requests_total{route="unmatched",method="GET"} 1');
    expect(text).toContain('# TYPE parley_http_request_duration_seconds histogram');
    expect(text).toContain('parley_http_request_duration_seconds_count{route="/api/v1/chats",method="GET"} 2');
    expect(text).toMatch(/parley_http_request_duration_seconds_bucket\{route="\/api\/v1\/chats",method="GET",le="\+Inf"\} 2/);
    expect(text).toContain('parley_http_errors_total{route="/api/v1/chats",method="GET"} 0');
  });
});

describe('the rollup metrics', () => {
  it('logs each run with its duration, slices and lag: EMF on Lambda, the registry locally', async () => {
    const lines: Array<Record<string, unknown>> = [];
    await t.db.insertInto('stats_dirty').values({ workspace_id: ws.workspace.id, bucket: new Date('2026-01-05T10:00:00Z') }).execute();
    const dueAt = new Date(Date.now() - 90_000);
    await runRollup(t.db, { dueAt, metrics: emfSink(), log: (entry) => void lines.push(entry) });
    expect(lines).toEqual([
      expect.objectContaining({
        message: 'stats rollup',
        slices: expect.any(Number),
        RollupDuration: expect.any(Number),
        RollupSlices: expect.any(Number),
        RollupLag: expect.any(Number),
        _aws: expect.objectContaining({
          CloudWatchMetrics: [{ Namespace: 'Parley', Dimensions: [[]], Metrics: [{ Name: 'RollupDuration', Unit: 'Milliseconds' }, { Name: 'RollupSlices', Unit: 'Count' }, { Name: 'RollupLag', Unit: 'Seconds' }] }],
        }),
      }),
    ]);
    expect(lines[0]!.RollupSlices).toBeGreaterThanOrEqual(1);
    expect(lines[0]!.RollupLag).toBeGreaterThanOrEqual(90);
    const registry = prometheusRegistry();
    await runRollup(t.db, { dueAt: new Date(), metrics: registry, log: () => {} });
    const text = registry.render();
    expect(text).toContain('# TYPE parley_stats_rollup_lag_seconds gauge');
    expect(text).toContain('parley_stats_rollup_duration_seconds_count 1');
    expect(text).toMatch(/parley_stats_rollup_slices_total \d+/);
  });
});

describe('the log', () => {
  it('writes one JSON line per request with the route pattern, status, duration, workspace and key id, and no key, phone, email or message text', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const printed: string[] = [];
    for (const stream of ['log', 'error', 'warn', 'info'] as const) vi.spyOn(console, stream).mockImplementation((...args) => void printed.push(args.map(String).join(' ')));
    // The outbox prints to the console, as on the local server.
    const app = createLocalApp({ db: async () => t.db, providers: () => createProviders(parseConfig({}).providers) }, { log: (entry) => void lines.push(entry) });
    const key = ws.keys.all!;
    const phone = '+15557654321';
    const email = 'private.person@example.test';
    const secretText = 'My card number is 4111 and I live at 12 Hidden Lane';
    const smsOwner = await insertContact(t.db, { workspaceId: ws.workspace.id, name: 'Sam Sms', identifier: phone, phone });
    const emailOwner = await insertUser(t.db, { workspaceId: ws.workspace.id, name: 'Erin Email', email });
    const emailChannel = await insertChannel(t.db, { workspaceId: ws.workspace.id, type: 'email', name: 'mail', responderId: ws.agent.identityId });
    const newChat = (channelId: string, ownerId: string) =>
      insertChat(t.db, { workspaceId: ws.workspace.id, channelId, ownerId, responderId: ws.agent.identityId, currentResponderId: ws.agent.identityId, responderVersionId: null, title: 'Private' });
    const sms = await newChat(ws.channels.sms.id, smsOwner.identityId);
    const mail = await newChat(emailChannel.id, emailOwner.identityId);
    const send = (path: string, body: unknown) =>
      app.request(`/api/v2/w/${ws.workspace.id}/chats${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const responses: Response[] = [];
    responses.push(await send(`/${sms.number}/messages`, { role: 'user', content: secretText }));
    responses.push(await send(`/${sms.number}/send-assistant-message`, { message: `Re: ${secretText}` }));
    responses.push(await send(`/${mail.number}/send-assistant-message`, { message: `Re: ${secretText}` }));
    responses.push(await app.request(`/api/v1/chats?search=${encodeURIComponent(email)}`, { headers: { 'x-api-key': key } }));
    responses.push(await app.request(`/api/v1/chats/${sms.id}`, { headers: { authorization: `Bearer ${key.slice(0, -2)}xx` } }));
    expect(responses.map((r) => r.status)).toEqual([201, 200, 200, 200, 401]);

    const requests = lines.filter((l) => l.message === 'request');
    expect(requests).toHaveLength(responses.length);
    const keyId = key.split('_')[1];
    expect(requests[1]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'info',
      message: 'request',
      requestId: responses[1]!.headers.get('x-request-id'),
      method: 'POST',
      route: '/api/v2/w/{workspace_uuid}/chats/{chat_id}/send-assistant-message',
      status: 200,
      durationMs: expect.any(Number),
      workspaceId: ws.workspace.id,
      keyId,
    });
    expect(keyId).toHaveLength(12);
    expect(requests.map((l) => l.route)).toEqual([
      '/api/v2/w/{workspace_uuid}/chats/{chat_id}/messages',
      '/api/v2/w/{workspace_uuid}/chats/{chat_id}/send-assistant-message',
      '/api/v2/w/{workspace_uuid}/chats/{chat_id}/send-assistant-message',
      '/api/v1/chats',
      '/api/v1/chats/{id}',
    ]);
    // A request whose key failed has no workspace or key id.
    expect(requests[4]).toMatchObject({ status: 401 });
    expect(requests[4]!.keyId).toBeUndefined();
    expect(requests[4]!.workspaceId).toBeUndefined();

    // The outbox printed both deliveries, masked.
    expect(printed).toEqual(['[outbox] sms to +1555…21: 55 characters', '[outbox] email to p…@example.test: subject of 11 characters, text of 55 characters']);
    const everything = [...lines.map((l) => JSON.stringify(l)), ...printed].join('\n');
    for (const secret of [key, parseApiKey(key)!.secret, phone, phone.slice(1), email, 'private.person', secretText, '4111', 'Hidden Lane', encodeURIComponent(email)]) {
      expect(everything, secret).not.toContain(secret);
    }
  });

  it('logs a 5xx once, with its cause chain; a 4xx not at all', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line) => void errors.push(String(line)));
    const failing = appWith({}, () => Promise.reject(new Error('pool exhausted', { cause: new Error('too many clients', { cause: new Error('socket hang up') }) })));
    const res = await failing('/api/v1/chats');
    expect(res.status).toBe(500);
    const body = (await res.json()) as any;
    expect(body.error).toMatchObject({ code: 'internal', message: 'Internal server error' });
    expect(JSON.stringify(body)).not.toContain('pool exhausted');
    expect(errors).toHaveLength(1);
    const logged = JSON.parse(errors[0]!);
    expect(logged).toMatchObject({
      level: 'error',
      code: 'internal',
      requestId: body.error.requestId,
      cause: [
        { name: 'Error', message: 'pool exhausted' },
        { name: 'Error', message: 'too many clients' },
        { name: 'Error', message: 'socket hang up' },
      ],
    });
    expect(logged.stack).toContain('pool exhausted');
    errors.length = 0;
    expect((await appWith()('/api/v1/chats', { key: null })).status).toBe(401);
    expect((await appWith()('/api/v1/chats?pageSize=500')).status).toBe(400);
    expect(errors).toEqual([]);
  });
});
