import { createGroupApp, operations, requireApiKey, requirePathWorkspace, withExports, withProviders } from '../../shared/app.js';
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
  const base = '/api/v2/w/:workspace_uuid';
  return createGroupApp(
    {
      use: [
        // `/*` also matches the bare list path, so each request is authenticated once.
        [`${base}/chats/*`, requireApiKey(deps), requirePathWorkspace, withProviders(deps)],
        // The members directory: what participants, assignees and the member filters name.
        [`${base}/members`, requireApiKey(deps), requirePathWorkspace],
        [`${base}/chats/export`, withExports(deps)],
        [`${base}/chats/exports/*`, withExports(deps)],
      ],
    },
    operations(routes, handlers, ['listChats', 'needsResponse', 'dailyCreation', 'toolCallNames']),
    operations(exportRoutes, exportHandlers, ['exportChats', 'exportStatus']),
    operations(memberRoutes, memberHandlers, ['listMembers']),
    operations(routes, handlers, ['getChat', 'replaceChat', 'updateChat']),
    operations(actionRoutes, actionHandlers, ['listParticipants', 'addParticipant', 'removeParticipant', 'sendAssistantMessage', 'summarize', 'listMessages', 'recordMessage', 'rateMessage', 'listTools']),
    operations(callRoutes, callHandlers, ['listCalls', 'recordCall', 'getCall', 'updateCall', 'deleteCall']),
  );
}
