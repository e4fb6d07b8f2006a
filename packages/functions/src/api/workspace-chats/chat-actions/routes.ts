import { bodyErrorResponses, commonErrorResponses } from '../../../shared/errors.js';
import { idempotencyErrors, replayHeader } from '../../../shared/idempotency.js';
import { authorizedRoute, body, json } from '../../../shared/route.js';
import { WorkspaceChat } from '../schemas.js';
import {
  AddParticipantBody,
  ChatParams,
  ChatParticipantAddedResponse,
  ChatParticipantList,
  ChatParticipantRemovedResponse,
  ChatTools,
  ChatMessage,
  IdempotencyHeaders,
  MessageHistory,
  MessageHistoryQuery,
  MessageParams,
  ParticipantParams,
  RateMessageBody,
  RecordMessageBody,
  SendAssistantMessageBody,
  SendAssistantMessageResponse,
  SummarizeQuery,
} from './schemas.js';

export const tags = ['Workspace chat actions'];
const base = '/api/v2/w/{workspace_uuid}/chats/{chat_id}';

export const addParticipant = authorizedRoute({ permission: 'chats:write', reach: 'chat' }, {
  operationId: 'addChatParticipant',
  method: 'post',
  path: `${base}/participants`,
  tags,
  summary: 'Add a participant to a chat with a specified role.',
  description:
    'Adds a workspace member to the chat with a role (`owner`, `admin`, `contributor` (default) or `observer`). Contributors can be ' +
    'consulted via the contributor_input_request tool during conversations. The caller must reach the chat already: adding oneself to a ' +
    "chat one cannot see is a 404, like any chat outside one's reach. 400 for an invalid role or a member who already takes part; 404 " +
    'for an unknown chat or member.',
  request: { params: ChatParams, headers: IdempotencyHeaders, body: body(AddParticipantBody) },
  responses: {
    200: { ...json(ChatParticipantAddedResponse, 'The participant was added.'), headers: replayHeader },
    ...commonErrorResponses,
    ...idempotencyErrors,
    ...bodyErrorResponses,
  },
});

export const listParticipants = authorizedRoute({ permission: 'chats:read', reach: 'chat' }, {
  operationId: 'listChatParticipants',
  method: 'get',
  path: `${base}/participants`,
  tags,
  summary: 'List the participants of a chat.',
  description:
    'Every member added to the chat, with their role, in the order they were added (a chat has few, so the list is not paged). ' +
    "The chat's owner and its assistant are not participants; they are the chat's `owner` and `assistantMemberId`.",
  request: { params: ChatParams },
  responses: { 200: json(ChatParticipantList, 'The participants.'), ...commonErrorResponses },
});

export const removeParticipant = authorizedRoute({ permission: 'chats:write', reach: 'chat' }, {
  operationId: 'removeChatParticipant',
  method: 'delete',
  path: `${base}/participants/{participant_id}`,
  tags,
  summary: 'Remove a participant from a chat.',
  description:
    'Removes the participant from the chat; the member no longer takes part in it (and a member without full reach who reached the chat ' +
    'only as this participant no longer reaches it). 404 for an unknown chat, or a participant that is not one of this chat\'s (removed already, or another chat\'s).',
  request: { params: ParticipantParams },
  responses: { 200: json(ChatParticipantRemovedResponse, 'The participant was removed.'), ...commonErrorResponses },
});

export const sendAssistantMessage = authorizedRoute({ permission: 'chats:admin', reach: 'chat' }, {
  operationId: 'sendAssistantMessage',
  method: 'post',
  path: `${base}/send-assistant-message`,
  tags,
  summary: 'Send a message as the assistant in a chat conversation.',
  description:
    "Runs the tool calls (each validated against its tool's input schema, POSTed to its callback URL) and records their results, then " +
    "records the message as the chat's assistant and delivers it on the chat's channel: by SMS to the owner's phone, or by email to the " +
    "owner's address with markdown rendered to HTML. Clears needs_response. On a squad's chat that no assistant has answered yet, the squad's first assistant (the squad lists them by name) takes the chat and stays its current responder; a squad without assistants answers 404.\n\n" +
    '400: the chat is not on an sms or email channel, the owner has no phone or email, notifications are disabled on the channel, or ' +
    'the tool calls are invalid. 404: chat or assistant not found. 500: a tool failed (nothing recorded or sent), or the SMS/email ' +
    'provider refused the message (the message is kept with delivery status `failed`; the error names the reason). ' +
    'Concurrent sends to one chat are recorded and delivered one after another, in order.',
  request: { params: ChatParams, headers: IdempotencyHeaders, body: body(SendAssistantMessageBody) },
  responses: {
    200: { ...json(SendAssistantMessageResponse, 'The message was recorded and handed for delivery.'), headers: replayHeader },
    ...commonErrorResponses,
    ...idempotencyErrors,
    ...bodyErrorResponses,
  },
});

export const summarize = authorizedRoute({ permission: 'chats:write', reach: 'chat' }, {
  operationId: 'summarizeChat',
  method: 'post',
  path: `${base}/summarize`,
  tags,
  summary: 'Generate an AI summary of the chat conversation.',
  description:
    "Summarizes the chat's message history synchronously and stores the summary, a new title and `summary_updated_at` (also given as `summaryUpdatedAt`, an alias). With " +
    "`update_labels=true` the chat's labels are replaced by those that fit the conversation, chosen among the workspace's label " +
    "definitions. It changes the chat, so it needs `chats:write` even on a chat of one's own. " +
    'Returns the updated chat. 400 for a chat without messages; 500 when the summarizer fails (the chat is left unchanged).',
  request: { params: ChatParams, query: SummarizeQuery, headers: IdempotencyHeaders },
  responses: { 200: { ...json(WorkspaceChat, 'The updated chat.'), headers: replayHeader }, ...commonErrorResponses, ...idempotencyErrors },
});

export const listMessages = authorizedRoute({ permission: 'chats:read', reach: 'chat' }, {
  operationId: 'listChatMessages',
  method: 'get',
  path: `${base}/messages`,
  tags,
  summary: 'Get chat message history.',
  description:
    "The chat's messages, newest first by default, `limit` at a time; follow `nextCursor` for older (or, with `order=asc`, newer) ones.",
  request: { params: ChatParams, query: MessageHistoryQuery },
  responses: { 200: json(MessageHistory, 'A page of messages.'), ...commonErrorResponses },
});

export const recordMessage = authorizedRoute({ permission: 'chats:write', reach: 'chat' }, {
  operationId: 'recordChatMessage',
  method: 'post',
  path: `${base}/messages`,
  tags,
  summary: 'Record a message that arrived on the chat’s channel.',
  description:
    'Records a `user` message (from the chat owner: marks the chat as needing a response), an `assistant` message answered elsewhere ' +
    '(clears needs_response) or an internal `note`, and moves the chat\'s last-message time and message count. Nothing is delivered. On a squad\'s chat that no assistant has answered yet, the squad\'s first assistant (the squad lists them by name) takes the chat and stays its current responder; a squad without assistants answers 404.',
  request: { params: ChatParams, headers: IdempotencyHeaders, body: body(RecordMessageBody) },
  responses: {
    201: { ...json(ChatMessage, 'The recorded message.'), headers: replayHeader },
    ...commonErrorResponses,
    ...idempotencyErrors,
    ...bodyErrorResponses,
  },
});

export const rateMessage = authorizedRoute({ permission: 'chats:write', reach: 'chat' }, {
  operationId: 'rateChatMessage',
  method: 'post',
  path: `${base}/messages/{uuid}/rate`,
  tags,
  summary: 'Rate an assistant message.',
  description:
    'Sets the rating of an assistant message: 1 (helpful) or -1 (not helpful); null clears it. 400 for messages of other roles. ' +
    "A rating changes the chat, so it needs `chats:write` even on a chat of one's own.",
  request: { params: MessageParams, body: body(RateMessageBody) },
  responses: { 200: json(ChatMessage, 'The rated message.'), ...commonErrorResponses, ...bodyErrorResponses },
});

export const listTools = authorizedRoute({ permission: 'chats:read', reach: 'chat' }, {
  operationId: 'listChatTools',
  method: 'get',
  path: `${base}/tools`,
  tags,
  summary: 'Get available tools for the chat.',
  description:
    "The tools the chat's assistant may call (and send-assistant-message accepts in `tool_calls`), by name, with the JSON Schema of " +
    'their input.',
  request: { params: ChatParams },
  responses: { 200: json(ChatTools, 'The chat’s tools.'), ...commonErrorResponses },
});
