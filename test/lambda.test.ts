import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createDb, type DbHandle, migrateToLatest } from '@parley/db';
import { buildFunctions } from '../scripts/build.js';
import { httpApiEvent } from './harness/lambda-events.js';
import { servePglite } from './harness/pglite-server.js';
import { createTestWorkspace, type TestWorkspace } from './harness/workspace.js';

// Builds the chats function with esbuild and invokes the bundle with API Gateway v2 events against
// the test database: DATABASE_URL's server, or (by default) an embedded PGlite served over the
// Postgres protocol so the bundle can reach it as it would reach Postgres, its address handed over
// the way SST hands a linked secret to a function.

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

let outdir: string;
let handler: Handler;
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
  const [built] = await buildFunctions({ outdir, only: ['chats'] });
  const mod = await import(pathToFileURL(built!.file).href);
  handler = mod[built!.exportName];
});

afterAll(async () => {
  await fixtureDb?.close();
  await stopPglite?.();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const context = { awsRequestId: 'local', functionName: 'chats', getRemainingTimeInMillis: () => 29_000 } as unknown as Context;

async function invoke(method: string, path: string, options: { key?: string | null; body?: unknown } = {}) {
  const key = options.key === undefined ? ws.keys.all : options.key;
  const result = await handler(httpApiEvent(method, path, { body: options.body, headers: key ? { authorization: `Bearer ${key}` } : {} }), context);
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
