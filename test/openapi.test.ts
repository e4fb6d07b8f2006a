import { CHANNEL_COMPONENTS, ERROR_CODES, EVENT_TYPES, METRIC_DEFINITIONS, metricOf, OVERVIEW_COMPONENTS, SCOPES } from '@parley/core';
import { describe, expect, it } from 'vitest';
import { createLocalApp } from '../packages/functions/src/local/app.js';

// The document is built from the route definitions only: no database is touched.
const app = createLocalApp({ db: () => Promise.reject(new Error('no database in this test')) });

describe('GET /openapi.json and /docs', () => {
  it('describes every chats v1 endpoint with its parameters, security and error responses', async () => {
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe('3.1.0');
    // Other groups' paths are checked in their own tests.
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/chats')).sort()).toEqual(['/api/v1/chats', '/api/v1/chats/details', '/api/v1/chats/{id}', '/api/v1/chats/{id}/details']);
    expect(Object.keys(doc.paths['/api/v1/chats']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/chats/{id}']).sort()).toEqual(['delete', 'get', 'patch']);
    const list = doc.paths['/api/v1/chats'].get;
    const names = list.parameters.map((p: { name: string }) => p.name).sort();
    expect(names).toEqual([
      'channelIds', 'channelTypes', 'lastChatMessageCreatedAtEnd', 'lastChatMessageCreatedAtStart', 'ownerIds',
      'pageNumber', 'pageSize', 'responderIds', 'responderVersionIds', 'search',
    ]);
    const pageSize = list.parameters.find((p: { name: string }) => p.name === 'pageSize');
    expect(pageSize.schema).toMatchObject({ minimum: 1, maximum: 100, default: 10 });
    // Each scheme names the scope the operation requires (OpenAPI 3.1 lets any scheme list its roles).
    expect(list.security).toEqual([{ bearerAuth: ['chats:read'] }, { apiKeyHeader: ['chats:read'] }]);
    expect(Object.keys(list.responses).sort()).toEqual(['200', '400', '401', '403', '404', '429', '500', '503']);
    expect(Object.keys(list.responses['200'].headers)).toEqual(expect.arrayContaining(['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy']));
    expect(Object.keys(list.responses['429'].headers).sort()).toEqual(['RateLimit-Limit', 'RateLimit-Policy', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After']);
    expect(doc.components.schemas.ChatDetails.required).toContain('penultimateMessageRole');
    expect(doc.components.securitySchemes.bearerAuth.scheme).toBe('bearer');
  });

  it('gives every operation of every group security with its scope, a summary and the shared error responses', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as any;
    const all = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item as object).map(([method, op]) => ({ path, method, op })));
    // The health checks alone are public, and say so with an empty security requirement.
    const unauthenticated = all.filter(({ op }) => Array.isArray(op.security) && op.security.length === 0);
    expect(unauthenticated.map(({ method, path }) => `${method} ${path}`)).toEqual(['get /health', 'get /health/ready']);
    const operations = all.filter((o) => !unauthenticated.includes(o));
    expect(operations.length).toBeGreaterThan(7);
    for (const { path, method, op } of operations) {
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.responses['401'], `${method} ${path}`).toBeDefined();
      expect(op.responses['400'], `${method} ${path}`).toBeDefined();
      // Any route may find the database away: 503 with Retry-After.
      expect(op.responses['503']?.headers?.['Retry-After'], `${method} ${path}`).toBeDefined();
      // The statistics group also takes the key in the header its seed names.
      const schemes = path.startsWith('/v1/chatbots/') ? ['bearerAuth', 'apiKeyHeader', 'chatcaptainKey'] : ['bearerAuth', 'apiKeyHeader'];
      const scope = op.security?.[0]?.bearerAuth?.[0];
      expect(SCOPES, `${method} ${path}`).toContain(scope);
      expect(op.security, `${method} ${path}`).toEqual(schemes.map((name) => ({ [name]: [scope] })));
      expect(op.description, `${method} ${path}`).toContain(`Requires \`${scope}\``);
    }
  });

  it('describes every event type under `webhooks`, with the body Parley sends', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as any;
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) {
      const post = doc.webhooks[type].post;
      expect(post.description, type).toContain('webhook-signature');
      expect(JSON.stringify(post.requestBody.content['application/json'].schema), type).toContain(`"enum":["${type}"]`);
    }
  });

  it('gives every operation a unique, stable camelCase operationId', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as any;
    const ids = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, { operationId?: string }>).map(([method, op]) => ({ at: `${method} ${path}`, id: op.operationId })),
    );
    for (const { at, id } of ids) expect(id, at).toMatch(/^[a-z][a-zA-Z0-9]+$/);
    const seen = new Map<string, string>();
    for (const { at, id } of ids) {
      expect(seen.get(id!), `${at} reuses ${id}`).toBeUndefined();
      seen.set(id!, at);
    }
    // Generated SDKs name their methods by these: renaming one is a breaking change for every client.
    expect(Object.fromEntries(ids.map(({ at, id }) => [at, id]))).toMatchObject({
      'get /api/v1/chats': 'listChats',
      'get /api/v1/chats/{id}/details': 'getChatDetails',
      'get /api/v2/w/{workspace_uuid}/chats': 'listWorkspaceChats',
      'post /api/v2/w/{workspace_uuid}/chats/{chat_id}/send-assistant-message': 'sendAssistantMessage',
      'get /api/v2/w/{workspace_uuid}/chats/export': 'createChatExport',
      'get /v1/orgs/{org_id}/chats': 'listOrgChats',
      'get /v1/chatbots/{chatbotId}/statistics/reports/overview': 'getStatisticsOverview',
      'get /health': 'getHealth',
    });
  });

  it('has top-level tags with descriptions, each operation under one of them, servers, a license and the closed set of error codes', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as any;
    expect(doc.tags.map((t: { name: string }) => t.name)).toEqual(['Chats', 'Workspace chats', 'Workspace', 'Events', 'Org chats', 'Statistics', 'API keys', 'Health']);
    for (const tag of doc.tags) expect(tag.description, tag.name).toBeTruthy();
    const byTag: Record<string, string[]> = {};
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item as Record<string, { tags: string[] }>)) {
        expect(op.tags, `${method} ${path}`).toHaveLength(1);
        (byTag[op.tags[0]!] ??= []).push(path);
      }
    }
    expect(Object.keys(byTag).sort()).toEqual([...doc.tags.map((t: { name: string }) => t.name)].sort());
    expect(byTag['Org chats']!.every((p) => p.startsWith('/v1/orgs/'))).toBe(true);
    expect(byTag['Workspace chats']!.every((p) => p.startsWith('/api/v2/w/'))).toBe(true);
    expect(byTag.Workspace!.every((p) => p.startsWith('/api/v2/w/') && !p.startsWith('/api/v2/w/{workspace_uuid}/chats'))).toBe(true);
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(doc.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual([...ERROR_CODES]);
    // The conventions every endpoint shares are stated once, in the description.
    for (const phrase of ['trailing slash is ignored', '`405`', '`415`', '`ETag`', '`304 Not Modified`', '`Accept-Encoding`', 'CORS']) expect(doc.info.description).toContain(phrase);
  });

  it('describes the statistics group: every component with its definition, the buckets, the export and its status', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as any;
    const base = '/v1/chatbots/{chatbotId}/statistics';
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/v1/chatbots/')).sort()).toEqual(
      ['/channels', '/export', '/export/{exportId}', '/inbox', '/reports/channel', '/reports/overview'].map((p) => `${base}${p}`),
    );
    expect(doc.components.securitySchemes.chatcaptainKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-chatcaptain-key' });
    for (const [path, catalogue] of [['/reports/overview', OVERVIEW_COMPONENTS], ['/reports/channel', CHANNEL_COMPONENTS]] as const) {
      const op = doc.paths[`${base}${path}`].get;
      const components = op.parameters.find((p: { name: string }) => p.name === 'components');
      expect(components.required).toBe(true);
      catalogue.forEach((name, id) => expect(components.description).toContain(`- \`${id}\`: \`${name}\`: ${METRIC_DEFINITIONS[metricOf(name)]}`));
      expect(op.parameters.find((p: { name: string }) => p.name === 'interval').schema).toMatchObject({ type: 'integer', enum: [86400, 3600] });
      expect(op.description).toContain('23 or 25 hours');
      expect(op.description).toContain('from the start of the bucket holding `from` to the end of the bucket holding `to`');
    }
    expect(doc.paths[`${base}/reports/channel`].get.parameters.find((p: { name: string }) => p.name === 'channelId').required).toBe(true);
    const exportOp = doc.paths[`${base}/export`].post;
    expect(Object.keys(exportOp.responses).sort()).toEqual(['202', '400', '401', '403', '404', '409', '422', '429', '500', '503']);
    expect(exportOp.responses['202'].headers.Location).toBeDefined();
    const status = doc.components.schemas.StatisticsExportStatus;
    expect(status.required).toEqual(['status']);
    expect(Object.keys(status.properties).sort()).toEqual(['downloadUrl', 'error', 'status']);
  });

  it('renders the interactive reference with its assets', async () => {
    const page = await app.request('/docs');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/openapi.json');
    const script = await app.request('/docs/assets/swagger-ui-bundle.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await app.request('/docs/assets/../../etc/passwd')).status).toBe(404);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await app.request('/api/v9/nothing');
    expect(res.status).toBe(404);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe('not_found');
    expect(body.error.requestId).toBe(res.headers.get('x-request-id'));
  });
});
