import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenAPIHono } from '@hono/zod-openapi';
import { createApp, securitySchemes } from '../../shared/app.js';
import type { AppDeps, AppEnv } from '../../shared/env.js';
import { groupApps } from '../apps.js';

const info = {
  title: 'Parley API',
  version: '0.1.0',
  description:
    'Conversations backend for AI-assistant and customer-messaging platforms: chats, messages, participants, ' +
    'assistants, statistics and exports. Authenticate with an API key as `Authorization: Bearer <key>`, a bare ' +
    '`Authorization: <key>`, or `x-api-key: <key>` (the statistics endpoints also take `x-chatcaptain-key: <key>`). Errors have the shape `{ error: { code, message, requestId, issues? } }`.',
};

/** One OpenAPI 3.1 document for every group, generated from the zod schemas that validate requests. */
export function buildOpenApiDocument(deps: AppDeps) {
  const all = new OpenAPIHono<AppEnv>();
  for (const create of Object.values(groupApps)) all.route('/', create(deps));
  for (const [name, scheme] of Object.entries(securitySchemes)) all.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  return all.getOpenAPI31Document({ openapi: '3.1.0', info });
}

// Swagger UI's assets: from the package when running from source, copied beside the bundle otherwise.
function swaggerUiDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  } catch {
    return join(dirname(fileURLToPath(import.meta.url)), 'swagger-ui');
  }
}

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div><script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });</script>
</body></html>`;

export function createDocsApp(deps: AppDeps) {
  const app = createApp();
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get('/openapi.json', (c) => c.json((document ??= buildOpenApiDocument(deps))));
  app.get('/docs', (c) => c.html(page));
  app.get('/docs/assets/:file', (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.notFound();
    c.header('content-type', type);
    c.header('cache-control', 'public, max-age=86400');
    return c.body(readFileSync(join(swaggerUiDir(), file)));
  });
  return app;
}
