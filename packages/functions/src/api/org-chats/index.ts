import { createGroupApp, operations, requireApiKey } from '../../shared/app.js';
import type { AppDeps } from '../../shared/env.js';
import * as handlers from './handlers.js';
import * as routes from './routes.js';

/** The org chats inbox (tag Org chats of /openapi.json). */
export function createOrgChatsApp(deps: AppDeps) {
  // `/chats/*` matches `/chats` too: one registration, so a request authenticates once.
  return createGroupApp({ use: [['/v1/orgs/:org_id/chats/*', requireApiKey(deps)]] }, operations(routes, handlers, ['listOrgChats', 'markOrgChatRead']));
}
