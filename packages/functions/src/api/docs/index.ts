import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../shared/app.js';
import type { AppDeps } from '../../shared/env.js';
import type { buildOpenApiDocument } from './document.js';

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
  // Built on the first request for it, from every group's routes (document.ts, loaded then).
  let document: Promise<ReturnType<typeof buildOpenApiDocument>> | undefined;
  app.get('/openapi.json', async (c) => {
    document ??= import('./document.js')
      .then((m) => m.buildOpenApiDocument(deps))
      .catch((err: unknown) => {
        document = undefined; // tried again on the next request
        throw err;
      });
    return c.json(await document);
  });
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
