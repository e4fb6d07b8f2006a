import { requireOwnWorkspace } from '@parley/core';
import type { MiddlewareHandler } from 'hono';
import { createApp, requireApiKey } from '../../shared/app.js';
import type { AppDeps, AppEnv } from '../../shared/env.js';
import * as handlers from './handlers.js';
import * as routes from './routes.js';
import { WEBHOOKS } from './schemas.js';

const requirePathWorkspace: MiddlewareHandler<AppEnv> = async (c, next) => {
  requireOwnWorkspace(c.get('principal'), c.req.param('workspace_uuid') ?? '');
  await next();
};

/** Events: the changefeed and webhook endpoints of a workspace. */
export function createEventsApp(deps: AppDeps) {
  const app = createApp();
  app.use('/api/v2/w/:workspace_uuid/events', requireApiKey(deps), requirePathWorkspace);
  // What Parley sends to webhook endpoints, one entry per event type (the document's `webhooks`).
  for (const webhook of WEBHOOKS) app.openAPIRegistry.registerWebhook(webhook);
  return app.openapi(routes.changefeed, handlers.changefeed);
}
