import { commonErrorResponses } from '../../shared/errors.js';
import { authorizedRoute, json } from '../../shared/route.js';
import { ChatRead, ListOrgChatsQuery, OrgChatIdParams, OrgChatList, OrgChatParams } from './schemas.js';

const tags = ['Org chats'];
const pagingHeaders = {
  'X-Next-Page-Token': { description: 'Pass as `next_page_token` for the page after this one; absent on the last page.', schema: { type: 'string' as const } },
  'X-Has-More': { description: '`true` when a next page exists.', schema: { type: 'string' as const } },
  Link: { description: 'The next page as `<url>; rel="next"`, when there is one.', schema: { type: 'string' as const } },
};

export const listOrgChats = authorizedRoute({ permission: 'chats:read', reach: 'chats' }, {
  operationId: 'listOrgChats',
  method: 'get',
  path: '/v1/orgs/{org_id}/chats',
  tags,
  summary: 'Get a list of chats for a specific org.',
  description:
    "Latest activity first (last message, else creation). Unread state and `admin_unseen_count` are the API key's member's. Another org's id answers 404. " +
    "A chat's `visibility` is an attribute it shows: it never widens who reaches the chat.\n\n" +
    'Nested objects are always present, as the seed shows them, except where null says something: `members[].user` is null for a ' +
    'contact and `members[].contact_channel` for a workspace user or assistant (each member is one or the other); `state.assistant_config` ' +
    'is null only while no assistant answers the chat (a squad none of whose assistants has taken it yet), and when present its `stt`, ' +
    '`tts` and `conversation` are objects whose fields are null where the version sets nothing; `state.assigned_user` is null while the ' +
    'chat is unassigned, `state.assistant_integration` for a chat on no channel, `last_message` for a chat without messages, and ' +
    '`last_message.member` for a message without an author. `last_message.usage` is always an object: zero counts for a message that ' +
    'used no model (a user message) or was recorded without usage.',
  request: { params: OrgChatParams, query: ListOrgChatsQuery },
  responses: { 200: { ...json(OrgChatList, 'The chats of the org.'), headers: pagingHeaders }, ...commonErrorResponses },
});

export const markOrgChatRead = authorizedRoute({ permission: 'chats:read', reach: 'chat' }, {
  operationId: 'markOrgChatRead',
  method: 'post',
  path: '/v1/orgs/{org_id}/chats/{chat_id}/read',
  tags,
  summary: 'Mark a chat read.',
  description:
    "Moves the API key's member's read marker to now: the chat leaves their UNREAD inbox and its `admin_unseen_count` for them is 0 until a new message arrives.",
  request: { params: OrgChatIdParams },
  responses: { 200: json(ChatRead, 'The chat is read.'), ...commonErrorResponses },
});
