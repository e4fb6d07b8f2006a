import { createGroupApp, operations, requireApiKey, requirePathWorkspace } from '../../shared/app.js';
import type { AppDeps } from '../../shared/env.js';
import * as assistantHandlers from './assistants/handlers.js';
import * as assistantRoutes from './assistants/routes.js';
import * as channelHandlers from './channels/handlers.js';
import * as channelRoutes from './channels/routes.js';
import * as contactHandlers from './contacts/handlers.js';
import * as contactRoutes from './contacts/routes.js';
import * as labelHandlers from './labels/handlers.js';
import * as labelRoutes from './labels/routes.js';
import { WORKSPACE_RESOURCES } from './resources.js';
import * as squadHandlers from './squads/handlers.js';
import * as squadRoutes from './squads/routes.js';
import * as toolHandlers from './tools/handlers.js';
import * as toolRoutes from './tools/routes.js';

/**
 * The workspace management group: what the other groups read, made writable through the API. Lists
 * follow the v2 cursor convention; reads need `chats:read`, changes `chats:admin` (core's policy).
 */
export function createWorkspaceApp(deps: AppDeps) {
  return createGroupApp(
    // `/*` also matches the bare list path, so each request is authenticated once.
    { use: WORKSPACE_RESOURCES.map((resource) => [`/api/v2/w/:workspace_uuid/${resource}/*`, requireApiKey(deps), requirePathWorkspace]) },
    operations(contactRoutes, contactHandlers, ['listContacts', 'createContact', 'getContact', 'updateContact', 'deleteContact']),
    operations(channelRoutes, channelHandlers, ['listChannels', 'createChannel', 'getChannel', 'updateChannel', 'deleteChannel']),
    operations(assistantRoutes, assistantHandlers, ['listAssistants', 'createAssistant', 'getAssistant', 'updateAssistant', 'deleteAssistant', 'listVersions', 'createVersion', 'getVersion']),
    operations(squadRoutes, squadHandlers, ['listSquads', 'createSquad', 'getSquad', 'updateSquad', 'deleteSquad']),
    operations(toolRoutes, toolHandlers, ['listTools', 'createTool', 'getTool', 'updateTool', 'deleteTool']),
    operations(labelRoutes, labelHandlers, ['listLabels', 'createLabel', 'getLabel', 'updateLabel', 'deleteLabel']),
  );
}
