import { bodyErrorResponses, commonErrorResponses, ErrorBody } from '../../shared/errors.js';
import { ChatParams } from './chat-actions/schemas.js';
import { authorizedRoute, body, json } from '../../shared/route.js';
import {
  ChatIdList,
  ConditionalHeaders,
  DailyCreation,
  DailyCreationQuery,
  ListChatsQuery,
  ReplaceChatBody,
  ToolCallNames,
  UpdateChatBody,
  WorkspaceChat,
  WorkspaceChatPage,
  WorkspaceParams,
} from './schemas.js';

export const tags = ['Workspace chats'];
const base = '/api/v2/w/{workspace_uuid}/chats';
export const listChats = authorizedRoute({ permission: 'chats:read', reach: 'chats' }, {
  operationId: 'listWorkspaceChats',
  method: 'get',
  path: base,
  tags,
  summary: 'List chats with filters.',
  description:
    'Chats of the workspace matching every filter, sorted by `sortBy`/`sortOrder`. Page with `page`/`pageSize`, or follow `nextCursor` for deep pages.',
  request: { params: WorkspaceParams, query: ListChatsQuery },
  responses: { 200: json(WorkspaceChatPage, 'A page of chats.'), ...commonErrorResponses },
});

export const needsResponse = authorizedRoute({ permission: 'chats:read', reach: 'chats' }, {
  operationId: 'listChatsNeedingResponse',
  method: 'get',
  path: `${base}/needs-response`,
  tags,
  summary: 'Get IDs of chats that need a response.',
  description:
    'The integer ids of non-archived, non-muted chats with the needs_response flag set, lowest first; an empty array if none.',
  request: { params: WorkspaceParams },
  responses: { 200: json(ChatIdList, 'Chat ids.'), ...commonErrorResponses },
});

export const dailyCreation = authorizedRoute({ permission: 'chats:read', reach: 'chats' }, {
  operationId: 'getDailyChatCreation',
  method: 'get',
  path: `${base}/stats/daily-creation`,
  tags,
  summary: 'Get daily chat creation statistics for the last 30 days.',
  description:
    "Chats created per day over the last 30 days (today included) in the workspace's time zone, by chat type. A day runs from local " +
    'midnight to local midnight, so it lasts 23 or 25 hours across daylight-saving changes; days without chats appear with zeros.',
  request: { params: WorkspaceParams, query: DailyCreationQuery },
  responses: { 200: json(DailyCreation, 'Counts per day.'), ...commonErrorResponses },
});

export const toolCallNames = authorizedRoute({ permission: 'chats:read', reach: 'chats' }, {
  operationId: 'listToolCallNames',
  method: 'get',
  path: `${base}/tool-call-names`,
  tags,
  summary: 'Get distinct tool call names used across workspace chats.',
  description: 'Alphabetically sorted unique tool names from the messages of the workspace.',
  request: { params: WorkspaceParams },
  responses: { 200: json(ToolCallNames, 'Tool names.'), ...commonErrorResponses },
});

const etagHeader = { ETag: { description: "The chat's ETag: send it as `If-Match` to change the chat only if it is still so.", schema: { type: 'string' as const } } };
const chatChangeResponses = {
  200: { ...json(WorkspaceChat, 'The chat as it is now.'), headers: etagHeader },
  ...commonErrorResponses,
  403: json(ErrorBody, 'The API key lacks `chats:write`, or a member without full reach assigns the chat to someone else (or takes it from its assignee).'),
  412: json(ErrorBody, 'The chat changed since the `If-Match` ETag was read (`precondition_failed`); nothing was changed.'),
  ...bodyErrorResponses,
};
const CHANGE_RULES =
  "A member without full reach may change the chats within their reach (a chat of one's own: owned, taken part in or assigned); other members' chats need an " +
  'admin member or a `chats:admin` key, and answer 404 otherwise. Any change needs `chats:write`, even on a chat of one\'s own: a key\'s scopes bound what it may change. ' +
  'Labels must be label definitions of the workspace; the assignee a user of the workspace. Send `If-Match` with the ETag of a read to refuse the change (412) if ' +
  'the chat changed meanwhile. Returns the chat as it is after the change, with its new ETag.';

export const getChat = authorizedRoute({ permission: 'chats:read', reach: 'chat' }, {
  operationId: 'getWorkspaceChat',
  method: 'get',
  path: `${base}/{chat_id}`,
  tags,
  summary: 'Get chat details including participants and the current summary.',
  description:
    'The chat as the list shows it: its owner, channel, assistant, participants, current summary (`summary_updated_at`), labels, state, assignment and flags. ' +
    'The `ETag` header is what `If-Match` takes on PUT and PATCH.',
  request: { params: ChatParams },
  responses: { 200: { ...json(WorkspaceChat, 'The chat.'), headers: etagHeader }, ...commonErrorResponses },
});

export const replaceChat = authorizedRoute({ permission: 'chats:write', reach: 'chat' }, {
  operationId: 'replaceWorkspaceChat',
  method: 'put',
  path: `${base}/{chat_id}`,
  tags,
  summary: 'Update chat manually (every writable field).',
  description:
    'PUT replaces the writable part of the chat: title, summary, labels, archived, paused, muted, needsResponse, state and assignedMemberId, every one required ' +
    '(a missing field is a 400, never left as it was); the rest of the chat (owner, channel, messages, participants) is not written this way. ' +
    'For a partial update use PATCH. ' + CHANGE_RULES,
  request: { params: ChatParams, headers: ConditionalHeaders, body: body(ReplaceChatBody) },
  responses: chatChangeResponses,
});

export const updateChat = authorizedRoute({ permission: 'chats:write', reach: 'chat' }, {
  operationId: 'updateWorkspaceChat',
  method: 'patch',
  path: `${base}/{chat_id}`,
  tags,
  summary: 'Update some fields of a chat.',
  description:
    'PATCH changes the fields it names (at least one) and keeps the others: title, summary, labels (the whole set), archived, paused, muted, needsResponse, ' +
    'state, assignedMemberId; null clears title, summary and assignedMemberId. ' + CHANGE_RULES,
  request: { params: ChatParams, headers: ConditionalHeaders, body: body(UpdateChatBody) },
  responses: chatChangeResponses,
});
