import { createApp, requireApiKey, requirePathWorkspace, withExports, withProviders } from '../../shared/app.js';
import type { AppDeps } from '../../shared/env.js';
import * as actionHandlers from './chat-actions/handlers.js';
import * as actionRoutes from './chat-actions/routes.js';
import * as callHandlers from './calls/handlers.js';
import * as callRoutes from './calls/routes.js';
import * as exportHandlers from './exports/handlers.js';
import * as exportRoutes from './exports/routes.js';
import * as handlers from './handlers.js';
import * as memberHandlers from './members/handlers.js';
import * as memberRoutes from './members/routes.js';
import * as routes from './routes.js';

/**
 * The v2 workspace chats and their actions (tag Workspace chats of /openapi.json). Fixed paths (`/needs-response`, `/export`...) are
 * registered before the `/{chat_id}` routes so they are never read as a chat id.
 */
export function createWorkspaceChatsApp(deps: AppDeps) {
  const app = createApp();
  // `/*` also matches the bare list path, so each request is authenticated once.
  app.use('/api/v2/w/:workspace_uuid/chats/*', requireApiKey(deps), requirePathWorkspace, withProviders(deps));
  // The members directory: what participants, assignees and the member filters name.
  app.use('/api/v2/w/:workspace_uuid/members', requireApiKey(deps), requirePathWorkspace);
  app.use('/api/v2/w/:workspace_uuid/chats/export', withExports(deps));
  app.use('/api/v2/w/:workspace_uuid/chats/exports/*', withExports(deps));
  return app
    .openapi(routes.listChats, handlers.listChats)
    .openapi(routes.needsResponse, handlers.needsResponse)
    .openapi(routes.dailyCreation, handlers.dailyCreation)
    .openapi(routes.toolCallNames, handlers.toolCallNames)
    .openapi(exportRoutes.exportChats, exportHandlers.exportChats)
    .openapi(exportRoutes.exportStatus, exportHandlers.exportStatus)
    .openapi(memberRoutes.listMembers, memberHandlers.listMembers)
    .openapi(routes.getChat, handlers.getChat)
    .openapi(routes.replaceChat, handlers.replaceChat)
    .openapi(routes.updateChat, handlers.updateChat)
    .openapi(actionRoutes.listParticipants, actionHandlers.listParticipants)
    .openapi(actionRoutes.addParticipant, actionHandlers.addParticipant)
    .openapi(actionRoutes.removeParticipant, actionHandlers.removeParticipant)
    .openapi(actionRoutes.sendAssistantMessage, actionHandlers.sendAssistantMessage)
    .openapi(actionRoutes.summarize, actionHandlers.summarize)
    .openapi(actionRoutes.listMessages, actionHandlers.listMessages)
    .openapi(actionRoutes.recordMessage, actionHandlers.recordMessage)
    .openapi(actionRoutes.rateMessage, actionHandlers.rateMessage)
    .openapi(actionRoutes.listTools, actionHandlers.listTools)
    .openapi(callRoutes.listCalls, callHandlers.listCalls)
    .openapi(callRoutes.recordCall, callHandlers.recordCall)
    .openapi(callRoutes.getCall, callHandlers.getCall)
    .openapi(callRoutes.updateCall, callHandlers.updateCall)
    .openapi(callRoutes.deleteCall, callHandlers.deleteCall);
}
