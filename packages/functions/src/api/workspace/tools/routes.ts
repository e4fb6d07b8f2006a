import { bodyErrorResponses, commonErrorResponses } from '../../../shared/errors.js';
import { authorizedRoute } from '../../../shared/route.js';
import { body, conflictError, Deleted, IdempotencyHeaders, idempotencyErrors, json, replayHeader, WorkspaceParams } from '../schemas.js';
import { CreateToolBody, ListToolsQuery, Tool, ToolPage, ToolParams, UpdateToolBody } from './schemas.js';

export const tags = ['Workspace'];
const base = '/api/v2/w/{workspace_uuid}/tools';

export const listTools = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'listWorkspaceTools',
  method: 'get',
  path: base,
  tags,
  summary: 'List the workspace’s chat tools.',
  description:
    "The tools every chat's assistant may call (`send-assistant-message`'s `tool_calls`), by name (then id), `limit` at a time; follow `nextCursor`. " +
    "`search` finds names holding the text. A chat's own tools (`GET .../chats/{chat_id}/tools`) include these.",
  request: { params: WorkspaceParams, query: ListToolsQuery },
  responses: { 200: json(ToolPage, 'A page of tools.'), ...commonErrorResponses },
});

export const getTool = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'getWorkspaceTool',
  method: 'get',
  path: `${base}/{tool_id}`,
  tags,
  summary: 'Get a chat tool.',
  description: 'One tool of the workspace.',
  request: { params: ToolParams },
  responses: { 200: json(Tool, 'The tool.'), ...commonErrorResponses },
});

export const createTool = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'createWorkspaceTool',
  method: 'post',
  path: base,
  tags,
  summary: 'Create a chat tool.',
  description:
    'Adds an HTTP callback every chat of the workspace may call. `parameters` must be a valid JSON Schema of an object (400 naming the problem otherwise). ' +
    '409 when the workspace has a tool of that name (in any letter case).',
  request: { params: WorkspaceParams, headers: IdempotencyHeaders, body: body(CreateToolBody) },
  responses: { 201: { ...json(Tool, 'The new tool.'), headers: replayHeader }, ...commonErrorResponses, ...idempotencyErrors, ...bodyErrorResponses },
});

export const updateTool = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'updateWorkspaceTool',
  method: 'patch',
  path: `${base}/{tool_id}`,
  tags,
  summary: 'Update a chat tool.',
  description: 'Changes the fields the body names (a partial update); the next call uses them. 409 when the new name is taken.',
  request: { params: ToolParams, body: body(UpdateToolBody) },
  responses: { 200: json(Tool, 'The updated tool.'), ...commonErrorResponses, ...conflictError, ...bodyErrorResponses },
});

export const deleteTool = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'deleteWorkspaceTool',
  method: 'delete',
  path: `${base}/{tool_id}`,
  tags,
  summary: 'Delete a chat tool.',
  description: 'Deletes the tool: assistants can no longer call it. Messages that called it keep their tool calls.',
  request: { params: ToolParams },
  responses: { 200: json(Deleted, 'The tool was deleted.'), ...commonErrorResponses },
});
