import { createApp, requireApiKey, requirePathWorkspace } from '../../shared/app.js';
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
  const app = createApp();
  for (const resource of WORKSPACE_RESOURCES) {
    // `/*` also matches the bare list path, so each request is authenticated once.
    app.use(`/api/v2/w/:workspace_uuid/${resource}/*`, requireApiKey(deps), requirePathWorkspace);
  }
  return app
    .openapi(contactRoutes.listContacts, contactHandlers.listContacts)
    .openapi(contactRoutes.createContact, contactHandlers.createContact)
    .openapi(contactRoutes.getContact, contactHandlers.getContact)
    .openapi(contactRoutes.updateContact, contactHandlers.updateContact)
    .openapi(contactRoutes.deleteContact, contactHandlers.deleteContact)
    .openapi(channelRoutes.listChannels, channelHandlers.listChannels)
    .openapi(channelRoutes.createChannel, channelHandlers.createChannel)
    .openapi(channelRoutes.getChannel, channelHandlers.getChannel)
    .openapi(channelRoutes.updateChannel, channelHandlers.updateChannel)
    .openapi(channelRoutes.deleteChannel, channelHandlers.deleteChannel)
    .openapi(assistantRoutes.listAssistants, assistantHandlers.listAssistants)
    .openapi(assistantRoutes.createAssistant, assistantHandlers.createAssistant)
    .openapi(assistantRoutes.getAssistant, assistantHandlers.getAssistant)
    .openapi(assistantRoutes.updateAssistant, assistantHandlers.updateAssistant)
    .openapi(assistantRoutes.deleteAssistant, assistantHandlers.deleteAssistant)
    .openapi(assistantRoutes.listVersions, assistantHandlers.listVersions)
    .openapi(assistantRoutes.createVersion, assistantHandlers.createVersion)
    .openapi(assistantRoutes.getVersion, assistantHandlers.getVersion)
    .openapi(squadRoutes.listSquads, squadHandlers.listSquads)
    .openapi(squadRoutes.createSquad, squadHandlers.createSquad)
    .openapi(squadRoutes.getSquad, squadHandlers.getSquad)
    .openapi(squadRoutes.updateSquad, squadHandlers.updateSquad)
    .openapi(squadRoutes.deleteSquad, squadHandlers.deleteSquad)
    .openapi(toolRoutes.listTools, toolHandlers.listTools)
    .openapi(toolRoutes.createTool, toolHandlers.createTool)
    .openapi(toolRoutes.getTool, toolHandlers.getTool)
    .openapi(toolRoutes.updateTool, toolHandlers.updateTool)
    .openapi(toolRoutes.deleteTool, toolHandlers.deleteTool)
    .openapi(labelRoutes.listLabels, labelHandlers.listLabels)
    .openapi(labelRoutes.createLabel, labelHandlers.createLabel)
    .openapi(labelRoutes.getLabel, labelHandlers.getLabel)
    .openapi(labelRoutes.updateLabel, labelHandlers.updateLabel)
    .openapi(labelRoutes.deleteLabel, labelHandlers.deleteLabel);
}
