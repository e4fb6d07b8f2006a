import { bodyErrorResponses, commonErrorResponses } from '../../../shared/errors.js';
import { authorizedRoute } from '../../../shared/route.js';
import { body, Deleted, IdempotencyHeaders, idempotencyErrors, json, replayHeader, WorkspaceParams } from '../schemas.js';
import { Contact, ContactPage, ContactParams, CreateContactBody, ListContactsQuery, UpdateContactBody } from './schemas.js';

export const tags = ['Workspace'];
const base = '/api/v2/w/{workspace_uuid}/contacts';

export const listContacts = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'listContacts',
  method: 'get',
  path: base,
  tags,
  summary: 'List the workspace’s contacts.',
  description:
    'The end users of the workspace, who own its chats, by name (then id), `limit` at a time; follow `nextCursor` for the next page. ' +
    '`search` finds names holding the text. Anonymous contacts are listed to `chats:admin` keys only.',
  request: { params: WorkspaceParams, query: ListContactsQuery },
  responses: { 200: json(ContactPage, 'A page of contacts.'), ...commonErrorResponses },
});

export const getContact = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'getContact',
  method: 'get',
  path: `${base}/{contact_id}`,
  tags,
  summary: 'Get a contact.',
  description: 'One contact by id. Anonymous contacts are found by `chats:admin` keys only (404 otherwise).',
  request: { params: ContactParams },
  responses: { 200: json(Contact, 'The contact.'), ...commonErrorResponses },
});

export const createContact = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'createContact',
  method: 'post',
  path: base,
  tags,
  summary: 'Create a contact.',
  description:
    'Adds an end user to the workspace. Its `id` is the `ownerId` of the chats it owns (`POST /api/v1/chats`). Names need not be unique; send an ' +
    '`Idempotency-Key` to make retries safe.',
  request: { params: WorkspaceParams, headers: IdempotencyHeaders, body: body(CreateContactBody) },
  responses: { 201: { ...json(Contact, 'The new contact.'), headers: replayHeader }, ...commonErrorResponses, ...idempotencyErrors, ...bodyErrorResponses },
});

export const updateContact = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'updateContact',
  method: 'patch',
  path: `${base}/{contact_id}`,
  tags,
  summary: 'Update a contact.',
  description: 'Changes the fields the body names (a partial update); null clears a field. `blocked: true` stops assistant messages to the contact.',
  request: { params: ContactParams, body: body(UpdateContactBody) },
  responses: { 200: json(Contact, 'The updated contact.'), ...commonErrorResponses, ...bodyErrorResponses },
});

export const deleteContact = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'deleteContact',
  method: 'delete',
  path: `${base}/{contact_id}`,
  tags,
  summary: 'Delete a contact.',
  description: 'Deletes a contact that owns no chats. A contact with chats cannot be deleted (409): block it instead.',
  request: { params: ContactParams },
  responses: { 200: json(Deleted, 'The contact was deleted.'), 409: idempotencyErrors[409], ...commonErrorResponses },
});
