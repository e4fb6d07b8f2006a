import { bodyErrorResponses, commonErrorResponses } from '../../../shared/errors.js';
import { authorizedRoute } from '../../../shared/route.js';
import { body, conflictError, Deleted, IdempotencyHeaders, idempotencyErrors, json, replayHeader, WorkspaceParams } from '../schemas.js';
import { CreateSquadBody, ListSquadsQuery, Squad, SquadPage, SquadParams, UpdateSquadBody } from './schemas.js';

export const tags = ['Workspace'];
const base = '/api/v2/w/{workspace_uuid}/squads';

export const listSquads = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'listSquads',
  method: 'get',
  path: base,
  tags,
  summary: 'List the workspace’s squads.',
  description: 'Teams of assistants that answer chats together, by name (then id), `limit` at a time; follow `nextCursor`. `search` finds names holding the text.',
  request: { params: WorkspaceParams, query: ListSquadsQuery },
  responses: { 200: json(SquadPage, 'A page of squads.'), ...commonErrorResponses },
});

export const getSquad = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'getSquad',
  method: 'get',
  path: `${base}/{squad_id}`,
  tags,
  summary: 'Get a squad.',
  description: 'One squad with its assistants.',
  request: { params: SquadParams },
  responses: { 200: json(Squad, 'The squad.'), ...commonErrorResponses },
});

export const createSquad = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'createSquad',
  method: 'post',
  path: base,
  tags,
  summary: 'Create a squad.',
  description:
    'Adds a team of assistants; make it a channel\'s responder to have its assistants take that channel\'s chats. 400 for ids that are not ' +
    'assistants of the workspace; 409 when an assistant or squad has that name.',
  request: { params: WorkspaceParams, headers: IdempotencyHeaders, body: body(CreateSquadBody) },
  responses: { 201: { ...json(Squad, 'The new squad.'), headers: replayHeader }, ...commonErrorResponses, ...idempotencyErrors, ...bodyErrorResponses },
});

export const updateSquad = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'updateSquad',
  method: 'patch',
  path: `${base}/{squad_id}`,
  tags,
  summary: 'Update a squad.',
  description: 'Changes the fields the body names (a partial update); `assistantIds` replaces its assistants. 409 when the new name is taken.',
  request: { params: SquadParams, body: body(UpdateSquadBody) },
  responses: { 200: json(Squad, 'The updated squad.'), ...commonErrorResponses, ...conflictError, ...bodyErrorResponses },
});

export const deleteSquad = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'deleteSquad',
  method: 'delete',
  path: `${base}/{squad_id}`,
  tags,
  summary: 'Delete a squad.',
  description: 'Deletes a squad that answers no chats and is no channel\'s responder (409 otherwise); its assistants stay.',
  request: { params: SquadParams },
  responses: { 200: json(Deleted, 'The squad was deleted.'), ...commonErrorResponses, ...conflictError },
});
