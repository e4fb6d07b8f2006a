import '@hono/zod-openapi'; // first: it gives zod's schemas .openapi()
import * as z from 'zod';
import { Uuid } from './params.js';

// The parameters the /api/v2/w/{workspace_uuid} groups share, in a module of their own: a group that
// imports them does not build the schemas of the group that defined them first.

export const WorkspaceParams = z.strictObject({
  workspace_uuid: Uuid.openapi({ param: { name: 'workspace_uuid', in: 'path' }, description: "The workspace's id; it must be the API key's workspace (404 otherwise)." }),
});

/** `true` or `false` in a query string; anything else is a 400 rather than a silent default. */
export const QueryBoolean = z
  .enum(['true', 'false'], { message: 'must be true or false' })
  .transform((v) => v === 'true')
  .optional()
  .openapi({ type: 'boolean' });
