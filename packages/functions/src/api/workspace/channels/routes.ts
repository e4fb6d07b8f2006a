import { bodyErrorResponses, commonErrorResponses } from '../../../shared/errors.js';
import { authorizedRoute } from '../../../shared/route.js';
import { body, conflictError, Deleted, IdempotencyHeaders, idempotencyErrors, json, replayHeader, WorkspaceParams } from '../schemas.js';
import { Channel, ChannelPage, ChannelParams, CreateChannelBody, ListChannelsQuery, UpdateChannelBody } from './schemas.js';

export const tags = ['Workspace'];
const base = '/api/v2/w/{workspace_uuid}/channels';

export const listChannels = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'listChannels',
  method: 'get',
  path: base,
  tags,
  summary: 'List the workspace’s channels.',
  description: 'The channels chats arrive on, by name (then id), `limit` at a time; follow `nextCursor`. `search` finds names holding the text.',
  request: { params: WorkspaceParams, query: ListChannelsQuery },
  responses: { 200: json(ChannelPage, 'A page of channels.'), ...commonErrorResponses },
});

export const getChannel = authorizedRoute({ permission: 'chats:read' }, {
  operationId: 'getChannel',
  method: 'get',
  path: `${base}/{channel_id}`,
  tags,
  summary: 'Get a channel.',
  description: 'One channel with its responder.',
  request: { params: ChannelParams },
  responses: { 200: json(Channel, 'The channel.'), ...commonErrorResponses },
});

export const createChannel = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'createChannel',
  method: 'post',
  path: base,
  tags,
  summary: 'Create a channel.',
  description:
    'Adds a channel answered by an assistant or a squad (`responderId`: 404 when unknown, 400 when it is a user or contact). ' +
    '409 when the workspace has a channel of that name (in any letter case).',
  request: { params: WorkspaceParams, headers: IdempotencyHeaders, body: body(CreateChannelBody) },
  responses: { 201: { ...json(Channel, 'The new channel.'), headers: replayHeader }, ...commonErrorResponses, ...idempotencyErrors, ...bodyErrorResponses },
});

export const updateChannel = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'updateChannel',
  method: 'patch',
  path: `${base}/{channel_id}`,
  tags,
  summary: 'Update a channel.',
  description: 'Changes the fields the body names (a partial update). A new responder answers new chats; existing chats keep theirs. 409 when the new name is taken.',
  request: { params: ChannelParams, body: body(UpdateChannelBody) },
  responses: { 200: json(Channel, 'The updated channel.'), ...commonErrorResponses, ...conflictError, ...bodyErrorResponses },
});

export const deleteChannel = authorizedRoute({ permission: 'chats:admin' }, {
  operationId: 'deleteChannel',
  method: 'delete',
  path: `${base}/{channel_id}`,
  tags,
  summary: 'Delete a channel.',
  description: 'Deletes a channel no chat is on. A channel with chats cannot be deleted (409): disable it instead (`enabled: false`).',
  request: { params: ChannelParams },
  responses: { 200: json(Deleted, 'The channel was deleted.'), ...commonErrorResponses, ...conflictError },
});
