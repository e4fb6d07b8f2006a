import { createRoute } from '@hono/zod-openapi';
import { bodyErrorResponses, commonErrorResponses } from '../../shared/errors.js';
import { security } from '../../shared/app.js';
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
const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const pagingHeaders = {
  Link: { description: 'The next page as `<url>; rel="next"`, when there is one.', schema: { type: 'string' as const } },
  'X-Has-More': { description: '`true` when a next page exists.', schema: { type: 'string' as const } },
};

export const listChatDetails = createRoute({
  method: 'get',
  path: '/api/v1/chats/details',
  tags,
  summary: 'Retrieves multiple chats with details.',
  description: 'Newest chats first. Removed chats are left out.',
  security,
  request: { query: ListChatDetailsQuery },
  responses: { 200: { ...json(ChatDetailsList, 'Retrieves all chats for the workspace.'), headers: pagingHeaders }, ...commonErrorResponses },
});

export const getChatDetails = createRoute({
  method: 'get',
  path: '/api/v1/chats/{id}/details',
  tags,
  summary: 'Retrieves a chat with details.',
  security,
  request: { params: ChatIdParams, query: ChatDetailsQuery },
  responses: { 200: json(ChatDetails, 'Retrieves a chat.'), ...commonErrorResponses },
});

export const listChats = createRoute({
  method: 'get',
  path: '/api/v1/chats',
  tags,
  summary: 'Retrieves multiple chats.',
  description: 'Newest chats first. Removed chats are left out.',
  security,
  request: { query: ListChatsQuery },
  responses: { 200: { ...json(ChatList, 'Retrieves all chats for the workspace.'), headers: pagingHeaders }, ...commonErrorResponses },
});

export const createChat = createRoute({
  method: 'post',
  path: '/api/v1/chats',
  tags,
  summary: 'Creates a new chat.',
  description: "The owner and the channel must belong to the key's workspace; the channel's responder answers the chat. Requires `chats:write`.",
  security,
  request: { body: { required: true, content: { 'application/json': { schema: CreateChatBody } } } },
  responses: { 200: json(Chat, 'The chat was created.'), ...commonErrorResponses, ...bodyErrorResponses },
});

export const getChat = createRoute({
  method: 'get',
  path: '/api/v1/chats/{id}',
  tags,
  summary: 'Retrieves a chat.',
  description: 'Removed chats are still returned, with `isRemoved: true`.',
  security,
  request: { params: ChatIdParams },
  responses: { 200: json(Chat, 'Retrieves a chat.'), ...commonErrorResponses },
});

export const updateChat = createRoute({
  method: 'patch',
  path: '/api/v1/chats/{id}',
  tags,
  summary: 'Updates a chat.',
  description: 'Requires `chats:write`. A removed chat cannot be updated (409).',
  security,
  request: { params: ChatIdParams, body: { required: true, content: { 'application/json': { schema: UpdateChatBody } } } },
  responses: {
    200: json(Chat, 'The chat was updated.'),
    ...commonErrorResponses,
    ...bodyErrorResponses,
    409: { description: 'The chat has been removed.', content: commonErrorResponses[404].content },
  },
});

export const removeChat = createRoute({
  method: 'delete',
  path: '/api/v1/chats/{id}',
  tags,
  summary: 'Removes a chat.',
  description: 'A soft remove: the chat leaves every list and reads back with `isRemoved: true`. Requires `chats:write`.',
  security,
  request: { params: ChatIdParams },
  responses: { 200: json(RemovedMessage, 'The chat was removed.'), ...commonErrorResponses },
});
