import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { parseApiKey } from '@parley/core';
import { createDb, type DbHandle, knownMigrations, migrateToLatest } from '@parley/db';
import { buildOpenApiDocument } from '../packages/functions/src/api/docs/document.js';
import { buildFunctions } from '../scripts/build.js';
import { httpApiEvent } from './harness/lambda-events.js';
import { servePglite } from './harness/pglite-server.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// Builds the chats, workspace and health functions with esbuild and invokes the bundles with API Gateway v2 events against
// the test database: DATABASE_URL's server, or (by default) an embedded PGlite served over the
// Postgres protocol so the bundle can reach it as it would reach Postgres, its address handed over
// the way SST hands a linked secret to a function.

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

let outdir: string;
let handler: Handler;
let healthHandler: Handler;
let workspaceHandler: Handler;
let docsHandler: Handler;
let fixtureDb: DbHandle;
let stopPglite: (() => Promise<void>) | undefined;
let ws: TestWorkspace;

beforeAll(async () => {
  if (process.env.DATABASE_URL) {
    process.env.NEON_WS_PROXY = inject('neonWsProxy');
    fixtureDb = await createDb({ driver: 'pg', url: process.env.DATABASE_URL });
  } else {
    const served = await servePglite();
    const url = served.url;
    // As deployed: the connection string arrives as the SST-linked secret, not as DATABASE_URL.
    process.env.DATABASE_DRIVER = 'pg';
    process.env.SST_RESOURCE_DatabaseUrl = JSON.stringify({ type: 'sst.sst.Secret', value: url });
    fixtureDb = await createDb({ driver: 'pg', url, maxConnections: 1 });
    await migrateToLatest(fixtureDb.db);
    stopPglite = served.stop;
  }
  ws = await createTestWorkspace(fixtureDb.db);
  outdir = mkdtempSync(join(tmpdir(), 'parley-lambda-'));
  // As infra/api.ts passes it to every function.
  process.env.CORS_ORIGINS = ORIGIN;
  const built = await buildFunctions({ outdir, only: ['chats', 'health', 'workspace', 'docs'] });
  const load = async (name: string) => {
    const fn = built.find((b) => b.name === name)!;
    return (await import(pathToFileURL(fn.file).href))[fn.exportName] as Handler;
  };
  handler = await load('chats');
  healthHandler = await load('health');
  workspaceHandler = await load('workspace');
  docsHandler = await load('docs');
});

afterAll(async () => {
  await fixtureDb?.close();
  await stopPglite?.();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const ORIGIN = 'https://app.example.test';

const context = { awsRequestId: 'local', functionName: 'chats', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;

async function invoke(method: string, path: string, options: { key?: string | null; body?: unknown; fn?: Handler } = {}) {
  const key = options.key === undefined ? ws.keys.all : options.key;
  const result = await (options.fn ?? handler)(httpApiEvent(method, path, { body: options.body, headers: key ? { authorization: `Bearer ${key}` } : {} }), context);
  const body = result.body ? (result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString() : result.body) : '';
  return { status: result.statusCode, headers: result.headers ?? {}, json: body ? JSON.parse(body) : undefined };
}

describe('the built chats Lambda bundle', () => {
  it('creates, reads, lists and removes chats end to end', async () => {
    const created = await invoke('POST', '/api/v1/chats', { body: { channelId: ws.channels.whatsapp.id, ownerId: ws.contact.identityId, title: 'From Lambda' } });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({ title: 'From Lambda', responderId: ws.agent.identityId, workspaceId: ws.workspace.id });
    const id = created.json.id as string;

    const read = await invoke('GET', `/api/v1/chats/${id}/details`);
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ id, channelType: 'whatsapp', ownerName: 'Carl Contact', responderName: 'Helper Bot' });

    const listed = await invoke('GET', `/api/v1/chats?channelIds=${ws.channels.whatsapp.id}&channelIds=${ws.channels.api.id}&pageSize=5`);
    expect(listed.status).toBe(200);
    expect(listed.json.map((c: { id: string }) => c.id)).toEqual([id]);
    expect(listed.headers['x-has-more']).toBe('false');

    const removed = await invoke('DELETE', `/api/v1/chats/${id}`);
    expect(removed).toMatchObject({ status: 200, json: { message: 'Chat removed' } });
    expect((await invoke('GET', '/api/v1/chats')).json).toEqual([]);
  });

  it('answers errors in the same shape as the local server', async () => {
    const unauthorized = await invoke('GET', '/api/v1/chats', { key: null });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.json.error).toMatchObject({ code: 'unauthorized' });
    const invalid = await invoke('GET', '/api/v1/chats?pageSize=500');
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.issues).toEqual([{ path: 'query.pageSize', message: 'must be at most 100' }]);
    expect((await invoke('GET', '/api/v1/chats/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('the built workspace Lambda bundle', () => {
  it('creates a contact that the chats function then takes as a chat owner', async () => {
    const created = await invoke('POST', `/api/v2/w/${ws.workspace.id}/contacts`, { body: { name: 'Lambda Lou', phone: '+14155550199' }, fn: workspaceHandler });
    expect(created.status).toBe(201);
    const listed = await invoke('GET', `/api/v2/w/${ws.workspace.id}/contacts?search=lou`, { fn: workspaceHandler });
    expect(listed.json.contacts.map((c: { id: string }) => c.id)).toEqual([created.json.id]);
    const chat = await invoke('POST', '/api/v1/chats', { body: { channelId: null, ownerId: created.json.id, title: 'Owned by Lou' } });
    expect(chat).toMatchObject({ status: 200, json: { ownerId: created.json.id } });
    const invalid = await invoke('POST', `/api/v2/w/${ws.workspace.id}/contacts`, { body: { name: 'Bad', phone: '12' }, fn: workspaceHandler });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.issues.map((i: { path: string }) => i.path)).toEqual(['body.phone']);
    await invoke('DELETE', `/api/v1/chats/${chat.json.id}`);
  });
});

describe('the HTTP conventions through the built bundles', () => {
  const send = (event: APIGatewayProxyEventV2, fn: Handler = handler) => fn(event, context);
  const auth = () => ({ authorization: `Bearer ${ws.keys.all}` });

  it('returns a compressed body base64-encoded, as API Gateway requires, and it gunzips to the JSON', async () => {
    for (let i = 0; i < 8; i++) await invoke('POST', '/api/v1/chats', { body: { channelId: null, ownerId: ws.contact.identityId, title: `Compressed chat ${i} with a longer title` } });
    const plain = await send(httpApiEvent('GET', '/api/v1/chats/details?pageSize=100', { headers: auth() }));
    expect(plain.isBase64Encoded).toBe(false);
    const result = await send(httpApiEvent('GET', '/api/v1/chats/details?pageSize=100', { headers: { ...auth(), 'accept-encoding': 'gzip' } }));
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-encoding']).toBe('gzip');
    expect(result.isBase64Encoded).toBe(true);
    const json = (await promisify(gunzip)(Buffer.from(result.body!, 'base64'))).toString();
    expect(JSON.parse(json)).toEqual(JSON.parse(plain.body!));
    expect(Buffer.from(result.body!, 'base64').length).toBeLessThan(plain.body!.length / 2);
  });

  it('answers If-None-Match with 304, a wrong method with 405 and Allow, a body that is not JSON with 415, and reads a trailing slash as none', async () => {
    const first = await send(httpApiEvent('GET', '/api/v1/chats?pageSize=3', { headers: auth() }));
    const etag = first.headers?.etag as string;
    expect(etag).toMatch(/^W\//);
    const again = await send(httpApiEvent('GET', '/api/v1/chats?pageSize=3', { headers: { ...auth(), 'if-none-match': etag } }));
    expect(again.statusCode).toBe(304);
    expect(again.body ?? '').toBe('');

    const wrong = await invoke('PUT', '/api/v1/chats');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
    expect(wrong.json.error.code).toBe('method_not_allowed');

    const form = await send(httpApiEvent('POST', '/api/v1/chats', { headers: { ...auth(), 'content-type': 'application/x-www-form-urlencoded' }, rawBody: 'title=x' }));
    expect(form.statusCode).toBe(415);
    expect(JSON.parse(form.body!).error.code).toBe('unsupported_media_type');

    const slashed = await send(httpApiEvent('GET', '/api/v1/chats/?pageSize=3', { headers: auth() }));
    expect(slashed.statusCode).toBe(200);
    expect(JSON.parse(slashed.body!)).toEqual(JSON.parse(first.body!));
  });

  it('answers a preflight without a key from the configured origins, and names the origin on responses', async () => {
    const preflight = await send(httpApiEvent('OPTIONS', '/api/v1/chats', { headers: { origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } }));
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers).toMatchObject({ allow: 'GET, HEAD, POST, OPTIONS', 'access-control-allow-origin': ORIGIN });
    const other = await send(httpApiEvent('OPTIONS', '/api/v1/chats', { headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } }));
    expect(other.headers?.['access-control-allow-origin']).toBeUndefined();
    const read = await send(httpApiEvent('GET', '/api/v1/chats', { headers: { ...auth(), origin: ORIGIN } }));
    expect(read.headers?.['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('logs one JSON line per request with the Lambda and API Gateway request ids and CloudWatch EMF metrics', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line) => void lines.push(String(line)));
    try {
      const event = httpApiEvent('GET', `/api/v1/chats/00000000-0000-4000-8000-000000000000`, { headers: auth() });
      const result = await send(event);
      expect(result.statusCode).toBe(404);
      const [line, ...more] = lines.map((l) => JSON.parse(l));
      expect(more).toEqual([]);
      expect(line).toMatchObject({
        level: 'info',
        message: 'request',
        requestId: result.headers?.['x-request-id'],
        awsRequestId: 'local',
        apiGatewayRequestId: event.requestContext.requestId,
        method: 'GET',
        route: '/api/v1/chats/{id}',
        status: 404,
        workspaceId: ws.workspace.id,
        keyId: ws.keys.all!.split('_')[1],
        Requests: 1,
        ClientErrors: 1,
        Errors: 0,
        Latency: expect.any(Number),
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'Parley',
              Dimensions: [['route', 'method']],
              Metrics: [
                { Name: 'Requests', Unit: 'Count' },
                { Name: 'Latency', Unit: 'Milliseconds' },
                { Name: 'Errors', Unit: 'Count' },
                { Name: 'ClientErrors', Unit: 'Count' },
              ],
            },
          ],
        },
      });
      expect(JSON.stringify(line)).not.toContain(parseApiKey(ws.keys.all!)!.secret);
    } finally {
      spy.mockRestore();
    }
  });

  it('serves the health checks from their own function, without a key', async () => {
    const live = await send(httpApiEvent('GET', '/health'), healthHandler);
    expect(live.statusCode).toBe(200);
    expect(JSON.parse(live.body!)).toEqual({ status: 'ok' });
    const ready = await send(httpApiEvent('GET', '/health/ready'), healthHandler);
    expect(ready.statusCode).toBe(200);
    expect(JSON.parse(ready.body!)).toEqual({ status: 'ready', database: 'ok', migrations: { applied: knownMigrations.length, pending: [], unknown: [] } });
    expect((await send(httpApiEvent('DELETE', '/health'), healthHandler)).statusCode).toBe(405);
  });
});

describe('the built docs Lambda bundle', () => {
  it('serves the same /openapi.json as the source builds', async () => {
    const res = await docsHandler(httpApiEvent('GET', '/openapi.json'), context);
    expect(res.statusCode).toBe(200);
    const body = res.isBase64Encoded ? (await promisify(gunzip)(Buffer.from(res.body!, 'base64'))).toString() : res.body!;
    expect(JSON.parse(body)).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument({ db: () => Promise.reject(new Error('no database')) }))));
  });
});

describe('imports the bundles depend on', () => {
  // scripts/build.ts hands @hono/zod-openapi a zod of `ZodType` alone, so its `z` is not zod; and only
  // `import * as z from 'zod'` lets the bundler keep just the parts of zod a module uses.
  it('takes zod as `import * as z from \'zod\'`, never `z` from @hono/zod-openapi nor `{ z }` from zod', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    const offending = ['packages/core/src', 'packages/db/src', 'packages/functions/src']
      .flatMap((dir) => sources(join(import.meta.dirname, '..', dir)))
      .filter((file) => /^import \{[^}]*\bz\b[^}]*\} from '(@hono\/zod-openapi|zod)'/m.test(readFileSync(file, 'utf8').replace(/\btype z\b/g, '')));
    expect(offending).toEqual([]);
  });
});
