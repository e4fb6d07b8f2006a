import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { AppError, type CorsOrigins, LOCAL_EXPORTS_PATH, type LocalExportStore } from '@parley/core';
import { groupApps } from '../api/apps.js';
import { createDocsApp } from '../api/docs/index.js';
import { endpointGroups } from '../groups.js';
import type { AppDeps } from '../shared/env.js';
import { renderError } from '../shared/errors.js';
import { createHttpApp } from '../shared/http.js';
import { type PrometheusRegistry, prometheusRegistry } from '../shared/metrics.js';
import type { LogWriter } from '../shared/request-log.js';
import { demoToolAnswer } from './demo.js';

export interface LocalAppOptions {
  localExportStore?: LocalExportStore;
  /** Origins browsers may call from; none unless given (`npm start` allows any unless CORS_ORIGINS says otherwise). */
  cors?: CorsOrigins;
  /** Where the line per request goes; nowhere unless given. */
  log?: LogWriter;
  /** The metrics `GET /metrics` renders; a registry of the app's own unless given (the server shares one with its workers). */
  metrics?: PrometheusRegistry;
  /** Serves the demo's chat tools at `POST /demo/tools/{name}` (what `npm start` seeds calls back to). */
  demoTools?: boolean;
}

/** Every endpoint group in one app, as the local server and the tests serve them, with the local server's own routes. */
export function createLocalApp(deps: AppDeps, options: LocalAppOptions = {}) {
  const metrics = options.metrics ?? prometheusRegistry();
  const groups = endpointGroups.map((group) => {
    const create = group.name === 'docs' ? createDocsApp : groupApps[group.name];
    if (!create) throw new Error(`Endpoint group ${group.name} has no app`);
    return create(deps);
  });
  return createHttpApp(groups, { cors: options.cors ?? [], telemetry: { log: options.log ?? (() => {}), metrics } }, (app) => {
    if (options.localExportStore) app.get(`${LOCAL_EXPORTS_PATH}/*`, localExportDownload(options.localExportStore));
    // Local only: deployed, the same numbers are CloudWatch metrics (EMF on the log lines).
    app.get('/metrics', (c) => c.body(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }));
    app.get('/', (c) => c.json({ name: 'Parley', docs: '/docs', openapi: '/openapi.json' }));
    if (options.demoTools) app.post('/demo/tools/:name', demoToolEndpoint);
  });
}

/** The demo's tools: the call's `arguments` in (as the tool invoker posts them), a made-up answer out; 404 for a name the demo does not have. */
async function demoToolEndpoint(c: import('hono').Context) {
  const body = (await c.req.json().catch(() => null)) as { arguments?: unknown } | null;
  const args = body?.arguments;
  const name = c.req.param('name') ?? '';
  const answer = demoToolAnswer(name, args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>) : {});
  if (!answer) return renderError(new AppError('not_found', `The demo has no tool named ${name.slice(0, 100)}`), c);
  return c.json(answer);
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
