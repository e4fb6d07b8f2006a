import { bodyErrorResponses, commonErrorResponses } from '../../shared/errors.js';
import { IdempotencyHeaders, idempotencyErrors, replayHeader } from '../../shared/idempotency.js';
import { authorizedRoute, body, json } from '../../shared/route.js';
import {
  Chat,
  ChatDetails,
  ChatDetailsList,
  ChatDetailsQuery,
  ChatIdParams,
  ChatList,
  CreateChatBody,
  ListChatDetailsQuery,
  ListChatsQuery,
  RemovedMessage,
  UpdateChatBody,
} from './schemas.js';

const tags = ['Chats'];
const pagingHeaders = {
  Link: { description: 'The next page as `<url>; rel="next"`, when there is one.', schema: { type: 'string' as const } },
  'X-Has-More': { description: '`true` when a next page exists.', schema: { type: 'string' as const } },
};

export const listChatDetails = authorizedRoute({ permission: 'chats:read', reach: 'chats' }, {
  operationId: 'listChatDetails',
  method: 'get',
  path: '/api/v1/chats/details',
  tags,
  summary: 'Retrieves multiple chats with details.',
  description: 'Newest chats first. Removed chats are left out.',
  request: { query: ListChatDetailsQuery },
  responses: { 200: { ...json(ChatDetailsList, "The workspace's chats within the caller's reach."), headers: pagingHeaders }, ...commonErrorResponses },
});

export const getChatDetails = authorizedRoute({ permission: 'chats:read', reach: 'chat' }, {
  operationId: 'getChatDetails',
  method: 'get',
  path: '/api/v1/chats/{id}/details',
  tags,
  summary: 'Retrieves a chat with details.',
  request: { params: ChatIdParams, query: ChatDetailsQuery },
  responses: { 200: json(ChatDetails, 'Retrieves a chat.'), ...commonErrorResponses },
});

export const listChats = authorizedRoute({ permission: 'chats:read', reach: 'chats' }, {
  operationId: 'listChats',
  method: 'get',
  path: '/api/v1/chats',
  tags,
  summary: 'Retrieves multiple chats.',
  description: 'Newest chats first. Removed chats are left out.',
  request: { query: ListChatsQuery },
  responses: { 200: { ...json(ChatList, "The workspace's chats within the caller's reach."), headers: pagingHeaders }, ...commonErrorResponses },
});

export const createChat = authorizedRoute({ permission: 'chats:write' }, {
  operationId: 'createChat',
  method: 'post',
  path: '/api/v1/chats',
  tags,
  summary: 'Creates a new chat.',
  description:
    "The owner and the channel must belong to the key's workspace; the channel's responder answers the chat. A caller who does not " +
    'reach every chat of the workspace (a member who is not an admin, with a key without `chats:admin`) and creates a chat owned by ' +
    'someone else becomes its participant (role `admin`) in the same step, so the chat they created stays within their reach. ' +
    'Send an `Idempotency-Key` to make retries safe: the same key and body again return the chat the first request created.',
  request: { headers: IdempotencyHeaders, body: body(CreateChatBody) },
  responses: {
    200: { ...json(Chat, 'The chat was created (or, on a replay, the chat the first request with this Idempotency-Key created).'), headers: replayHeader },
    ...commonErrorResponses,
    ...idempotencyErrors,
    ...bodyErrorResponses,
  },
});

export const getChat = authorizedRoute({ permission: 'chats:read', reach: 'chat' }, {
  operationId: 'getChat',
  method: 'get',
  path: '/api/v1/chats/{id}',
  tags,
  summary: 'Retrieves a chat.',
  description: 'Removed chats are still returned, with `isRemoved: true`.',
  request: { params: ChatIdParams },
  responses: { 200: json(Chat, 'Retrieves a chat.'), ...commonErrorResponses },
});

export const updateChat = authorizedRoute({ permission: 'chats:write', reach: 'chat' }, {
  operationId: 'updateChat',
  method: 'patch',
  path: '/api/v1/chats/{id}',
  tags,
  summary: 'Updates a chat.',
  description: 'A removed chat cannot be updated (409).',
  request: { params: ChatIdParams, body: body(UpdateChatBody) },
  responses: {
    200: json(Chat, 'The chat was updated.'),
    ...commonErrorResponses,
    ...bodyErrorResponses,
    409: { description: 'The chat has been removed.', content: commonErrorResponses[404].content },
  },
});

export const removeChat = authorizedRoute({ permission: 'chats:write', reach: 'chat' }, {
  operationId: 'removeChat',
  method: 'delete',
  path: '/api/v1/chats/{id}',
  tags,
  summary: 'Removes a chat.',
  description: 'A soft remove: the chat leaves every list and reads back with `isRemoved: true`.',
  request: { params: ChatIdParams },
  responses: { 200: json(RemovedMessage, 'The chat was removed.'), ...commonErrorResponses },
});
