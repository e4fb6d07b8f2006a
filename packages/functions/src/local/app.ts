import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { AppError, LOCAL_EXPORTS_PATH, type LocalExportStore } from '@parley/core';
import { Hono } from 'hono';
import { logger } from 'hono/logger';
import { groupApps } from '../api/apps.js';
import { createDocsApp } from '../api/docs/index.js';
import { endpointGroups } from '../groups.js';
import type { AppDeps } from '../shared/env.js';
import { renderError, renderNotFound } from '../shared/errors.js';

/** Every endpoint group in one app, as the local server and the tests serve them. */
export function createLocalApp(deps: AppDeps, options: { logRequests?: boolean; localExportStore?: LocalExportStore } = {}) {
  const app = new Hono();
  // One line per request in the terminal of `npm start`.
  if (options.logRequests) app.use(logger());
  if (options.localExportStore) app.get(`${LOCAL_EXPORTS_PATH}/*`, localExportDownload(options.localExportStore));
  for (const group of endpointGroups) {
    const create = group.name === 'docs' ? createDocsApp : groupApps[group.name];
    if (!create) throw new Error(`Endpoint group ${group.name} has no app`);
    app.route('/', create(deps));
  }
  app.get('/', (c) => c.json({ name: 'Parley', docs: '/docs', openapi: '/openapi.json' }));
  app.notFound(renderNotFound);
  return app;
}

/**
 * Export files of the local store, for links it signed (what S3's presigned URLs are in production):
 * a bad or expired signature is a 403 whatever the file, so links cannot be guessed or extended.
 */
function localExportDownload(store: LocalExportStore) {
  return (c: import('hono').Context) => {
    let key: string;
    try {
      key = decodeURIComponent(c.req.path.slice(LOCAL_EXPORTS_PATH.length + 1));
    } catch {
      key = '';
    }
    const path = store.verify({
      key,
      expires: c.req.query('expires') ?? '',
      filename: c.req.query('filename') ?? '',
      signature: c.req.query('signature') ?? '',
    });
    if (!path) return renderError(new AppError('forbidden', 'This download link is invalid or has expired; ask the export status for a new one'), c);
    return c.body(Readable.toWeb(createReadStream(path)) as ReadableStream, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-length': String(statSync(path).size),
      'content-disposition': `attachment; filename="${c.req.query('filename')}"`,
      'cache-control': 'private, no-store',
    });
  };
}
