import { createApp, requireApiKey } from '../../shared/app.js';
import type { AppDeps } from '../../shared/env.js';
import * as handlers from './handlers.js';
import * as routes from './routes.js';

/** The chats API v1 (tag Chats of /openapi.json). `/details` is registered before `/{id}` so it is not read as an id. */
export function createChatsApp(deps: AppDeps) {
  const app = createApp();
  // `/*` also matches the bare path, so one registration authenticates every route once.
  app.use('/api/v1/chats/*', requireApiKey(deps));
  return app
    .openapi(routes.listChatDetails, handlers.listChatDetails)
    .openapi(routes.getChatDetails, handlers.getChatDetails)
    .openapi(routes.listChats, handlers.listChats)
    .openapi(routes.createChat, handlers.createChat)
    .openapi(routes.getChat, handlers.getChat)
    .openapi(routes.updateChat, handlers.updateChat)
    .openapi(routes.removeChat, handlers.removeChat);
}
