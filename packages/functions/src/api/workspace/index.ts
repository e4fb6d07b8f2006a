import { createApp, requireApiKey, requirePathWorkspace } from '../../shared/app.js';
import type { AppDeps } from '../../shared/env.js';
import * as contactHandlers from './contacts/handlers.js';
import * as contactRoutes from './contacts/routes.js';
import { WORKSPACE_RESOURCES } from './resources.js';

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
    .openapi(contactRoutes.deleteContact, contactHandlers.deleteContact);
}
