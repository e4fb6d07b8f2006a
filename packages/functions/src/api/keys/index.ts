import { config, requireOwnWorkspace } from '@parley/core';
import { createApp, requireApiKey } from '../../shared/app.js';
import type { AppDeps } from '../../shared/env.js';
import * as handlers from './handlers.js';
import * as routes from './routes.js';

/** API keys of a workspace: list, create, read, revoke, rotate (an admin member's `keys:admin` key). */
export function createKeysApp(deps: AppDeps) {
  const app = createApp();
  app.use('/api/v2/w/:workspace_uuid/keys/*', requireApiKey(deps), async (c, next) => {
    requireOwnWorkspace(c.get('principal'), c.req.param('workspace_uuid') ?? '');
    c.set('keySettings', deps.keys?.() ?? config().apiKeys);
    await next();
  });
  return app
    .openapi(routes.listApiKeys, handlers.listApiKeys)
    .openapi(routes.createApiKey, handlers.createApiKey)
    .openapi(routes.getApiKey, handlers.getApiKey)
    .openapi(routes.revokeApiKey, handlers.revokeApiKey)
    .openapi(routes.rotateApiKey, handlers.rotateApiKey);
}
