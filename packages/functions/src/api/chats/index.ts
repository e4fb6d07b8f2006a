import { createGroupApp, operations, requireApiKey } from '../../shared/app.js';
import type { AppDeps } from '../../shared/env.js';
import * as handlers from './handlers.js';
import * as routes from './routes.js';

/** The chats API v1 (tag Chats of /openapi.json). `/details` is registered before `/{id}` so it is not read as an id. */
export function createChatsApp(deps: AppDeps) {
  return createGroupApp(
    // `/*` also matches the bare path, so one registration authenticates every route once.
    { use: [['/api/v1/chats/*', requireApiKey(deps)]] },
    operations(routes, handlers, ['listChatDetails', 'getChatDetails', 'listChats', 'createChat', 'getChat', 'updateChat', 'removeChat']),
  );
}
