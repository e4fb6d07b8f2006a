import { bodyErrorResponses, commonErrorResponses } from '../../../shared/errors.js';
import { authorizedRoute } from '../../../shared/route.js';
import { body, conflictError, Deleted, IdempotencyHeaders, idempotencyErrors, json, replayHeader, WorkspaceParams } from '../schemas.js';
import { CreateLabelBody, Label, LabelPage, LabelParams, ListLabelsQuery, UpdateLabelBody } from './schemas.js';

export const tags = ['Workspace'];
const base = '/api/v2/w/{workspace_uuid}/labels';

export const listLabels = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'listLabels',
  method: 'get',
  path: base,
  tags,
  summary: 'List the workspace’s label definitions.',
  description: 'The labels chats are tagged with, by name (then id), `limit` at a time; follow `nextCursor`. `search` finds names holding the text.',
  request: { params: WorkspaceParams, query: ListLabelsQuery },
  responses: { 200: json(LabelPage, 'A page of labels.'), ...commonErrorResponses },
});

export const getLabel = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'getLabel',
  method: 'get',
  path: `${base}/{label_id}`,
  tags,
  summary: 'Get a label definition.',
  description: 'One label definition, with how many chats carry it.',
  request: { params: LabelParams },
  responses: { 200: json(Label, 'The label.'), ...commonErrorResponses },
});

export const createLabel = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'createLabel',
  method: 'post',
  path: base,
  tags,
  summary: 'Create a label definition.',
  description:
    'Adds a label the workspace tags chats with; `summarize?update_labels=true` chooses among these. 409 when the workspace has a label of that name (in any letter case).',
  request: { params: WorkspaceParams, headers: IdempotencyHeaders, body: body(CreateLabelBody) },
  responses: { 201: { ...json(Label, 'The new label.'), headers: replayHeader }, ...commonErrorResponses, ...idempotencyErrors, ...bodyErrorResponses },
});

export const updateLabel = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'updateLabel',
  method: 'patch',
  path: `${base}/{label_id}`,
  tags,
  summary: 'Update a label definition.',
  description: 'Changes the fields the body names (a partial update). Renaming renames the label on every chat that has it; 409 when the new name is taken.',
  request: { params: LabelParams, body: body(UpdateLabelBody) },
  responses: { 200: json(Label, 'The updated label.'), ...commonErrorResponses, ...conflictError, ...bodyErrorResponses },
});

export const deleteLabel = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'deleteLabel',
  method: 'delete',
  path: `${base}/{label_id}`,
  tags,
  summary: 'Delete a label definition.',
  description: 'Deletes the label and takes it off every chat that had it.',
  request: { params: LabelParams },
  responses: { 200: json(Deleted, 'The label was deleted.'), ...commonErrorResponses },
});
