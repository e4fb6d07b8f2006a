import { commonErrorResponses } from '../../../shared/errors.js';
import { authorizedRoute, json } from '../../../shared/route.js';
import { WorkspaceParams } from '../schemas.js';
import { MemberListQuery, WorkspaceMemberPage } from './schemas.js';

export const tags = ['Workspace chats'];

export const listMembers = authorizedRoute({ permission: 'chats:read' }, {
  method: 'get',
  path: '/api/v2/w/{workspace_uuid}/members',
  operationId: 'listWorkspaceMembers',
  tags,
  summary: 'List workspace members.',
  description:
    "The workspace's members, users and assistants alike, by name (then id), `limit` at a time; follow `nextCursor` for the rest. " +
    'These are the ids that adding a participant, assigning a chat and the chat filters take. Every member of the workspace is ' +
    'listed to any caller with `chats:read`: the directory is what one needs to add a participant or assign a chat, and it shows no chat.',
  request: { params: WorkspaceParams, query: MemberListQuery },
  responses: { 200: json(WorkspaceMemberPage, 'A page of members.'), ...commonErrorResponses },
});
