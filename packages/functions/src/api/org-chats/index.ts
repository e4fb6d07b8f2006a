import { createApp, requireApiKey } from '../../shared/app.js';
import type { AppDeps } from '../../shared/env.js';
import * as handlers from './handlers.js';
import * as routes from './routes.js';

/** The org chats inbox (tag Org chats of /openapi.json). */
export function createOrgChatsApp(deps: AppDeps) {
  const app = createApp();
  // `/chats/*` matches `/chats` too: one registration, so a request authenticates once.
  app.use('/v1/orgs/:org_id/chats/*', requireApiKey(deps));
  return app.openapi(routes.listOrgChats, handlers.listOrgChats).openapi(routes.markOrgChatRead, handlers.markOrgChatRead);
}
