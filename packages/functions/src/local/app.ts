import { Hono } from 'hono';
import { logger } from 'hono/logger';
import { groupApps } from '../api/apps.js';
import { createDocsApp } from '../api/docs/index.js';
import { endpointGroups } from '../groups.js';
import type { AppDeps } from '../shared/env.js';
import { renderNotFound } from '../shared/errors.js';

/** Every endpoint group in one app, as the local server and the tests serve them. */
export function createLocalApp(deps: AppDeps, options: { logRequests?: boolean } = {}) {
  const app = new Hono();
  // One line per request in the terminal of `npm start`.
  if (options.logRequests) app.use(logger());
  for (const group of endpointGroups) {
    const create = group.name === 'docs' ? createDocsApp : groupApps[group.name];
    if (!create) throw new Error(`Endpoint group ${group.name} has no app`);
    app.route('/', create(deps));
  }
  app.get('/', (c) => c.json({ name: 'Parley', docs: '/docs', openapi: '/openapi.json' }));
  app.notFound(renderNotFound);
  return app;
}
