import { commonErrorResponses } from '../../shared/errors.js';
import { authorizedRoute, json } from '../../shared/route.js';
import { ChatIdList, DailyCreation, DailyCreationQuery, ListChatsQuery, ToolCallNames, WorkspaceChatPage, WorkspaceParams } from './schemas.js';

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
