import { bodyErrorResponses, commonErrorResponses } from '../../../shared/errors.js';
import { authorizedRoute } from '../../../shared/route.js';
import { body, conflictError, Deleted, IdempotencyHeaders, idempotencyErrors, json, replayHeader, WorkspaceParams } from '../schemas.js';
import {
  Assistant,
  AssistantPage,
  AssistantParams,
  AssistantVersion,
  AssistantVersionPage,
  CreateAssistantBody,
  CreateVersionBody,
  ListAssistantsQuery,
  ListVersionsQuery,
  UpdateAssistantBody,
  VersionParams,
} from './schemas.js';

export const tags = ['Workspace'];
const base = '/api/v2/w/{workspace_uuid}/assistants';

export const listAssistants = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'listAssistants',
  method: 'get',
  path: base,
  tags,
  summary: 'List the workspace’s assistants.',
  description: 'The AI assistants that answer chats, by name (then id), `limit` at a time; follow `nextCursor`. `search` finds names holding the text.',
  request: { params: WorkspaceParams, query: ListAssistantsQuery },
  responses: { 200: json(AssistantPage, 'A page of assistants.'), ...commonErrorResponses },
});

export const getAssistant = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'getAssistant',
  method: 'get',
  path: `${base}/{assistant_id}`,
  tags,
  summary: 'Get an assistant.',
  description: 'One assistant with its current version.',
  request: { params: AssistantParams },
  responses: { 200: json(Assistant, 'The assistant.'), ...commonErrorResponses },
});

export const createAssistant = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'createAssistant',
  method: 'post',
  path: base,
  tags,
  summary: 'Create an assistant.',
  description:
    'Adds an assistant (with a member id of its own) whose `config` is its version 1. Make it a channel\'s responder to have it answer chats. ' +
    '409 when an assistant or squad of the workspace has that name (in any letter case).',
  request: { params: WorkspaceParams, headers: IdempotencyHeaders, body: body(CreateAssistantBody) },
  responses: { 201: { ...json(Assistant, 'The new assistant.'), headers: replayHeader }, ...commonErrorResponses, ...idempotencyErrors, ...bodyErrorResponses },
});

export const updateAssistant = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'updateAssistant',
  method: 'patch',
  path: `${base}/{assistant_id}`,
  tags,
  summary: 'Update an assistant.',
  description:
    'Changes the fields the body names (a partial update). A `config` is stored as the next version and becomes current; `currentVersionId` makes an ' +
    'earlier version current again. Chats keep the version they ran on. 409 when the new name is taken.',
  request: { params: AssistantParams, body: body(UpdateAssistantBody) },
  responses: { 200: json(Assistant, 'The updated assistant.'), ...commonErrorResponses, ...conflictError, ...bodyErrorResponses },
});

export const deleteAssistant = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'deleteAssistant',
  method: 'delete',
  path: `${base}/{assistant_id}`,
  tags,
  summary: 'Delete an assistant.',
  description: 'Deletes an assistant that answers no chats, is no channel\'s responder and wrote no messages (409 otherwise), with its versions.',
  request: { params: AssistantParams },
  responses: { 200: json(Deleted, 'The assistant was deleted.'), ...commonErrorResponses, ...conflictError },
});

export const listVersions = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'listAssistantVersions',
  method: 'get',
  path: `${base}/{assistant_id}/versions`,
  tags,
  summary: 'List an assistant’s versions.',
  description: 'Its versions, newest first, `limit` at a time; follow `nextCursor`. A chat\'s `responderVersionId` names the one that answered it.',
  request: { params: AssistantParams, query: ListVersionsQuery },
  responses: { 200: json(AssistantVersionPage, 'A page of versions.'), ...commonErrorResponses },
});

export const getVersion = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'getAssistantVersion',
  method: 'get',
  path: `${base}/{assistant_id}/versions/{version_id}`,
  tags,
  summary: 'Get a version of an assistant.',
  description: 'One version with its configuration.',
  request: { params: VersionParams },
  responses: { 200: json(AssistantVersion, 'The version.'), ...commonErrorResponses },
});

export const createVersion = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'createAssistantVersion',
  method: 'post',
  path: `${base}/{assistant_id}/versions`,
  tags,
  summary: 'Create a version of an assistant.',
  description: 'Stores a configuration as the assistant\'s next version (numbered after the last); it becomes current unless `makeCurrent` is false.',
  request: { params: AssistantParams, headers: IdempotencyHeaders, body: body(CreateVersionBody) },
  responses: { 201: { ...json(AssistantVersion, 'The new version.'), headers: replayHeader }, ...commonErrorResponses, ...idempotencyErrors, ...bodyErrorResponses },
});
