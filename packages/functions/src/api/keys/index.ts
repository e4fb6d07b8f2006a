import { config } from '@parley/core';
import type { MiddlewareHandler } from 'hono';
import { createGroupApp, operations, requireApiKey, requirePathWorkspace } from '../../shared/app.js';
import type { AppDeps, AppEnv } from '../../shared/env.js';
import * as handlers from './handlers.js';
import * as routes from './routes.js';

/** Makes the key settings (the deps' own, else the configuration's) available to the keys routes. */
function withKeySettings(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('keySettings', deps.keys?.() ?? config().apiKeys);
    await next();
  };
}

/** API keys of a workspace: list, create, read, revoke, rotate (an admin member's `keys:admin` key). */
export function createKeysApp(deps: AppDeps) {
  return createGroupApp(
    { use: [['/api/v2/w/:workspace_uuid/keys/*', requireApiKey(deps), requirePathWorkspace, withKeySettings(deps)]] },
    operations(routes, handlers, ['listApiKeys', 'createApiKey', 'getApiKey', 'revokeApiKey', 'rotateApiKey']),
  );
}
