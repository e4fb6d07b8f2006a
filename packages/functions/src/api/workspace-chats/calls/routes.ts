import { bodyErrorResponses, commonErrorResponses } from '../../../shared/errors.js';
import { idempotencyErrors, replayHeader } from '../../../shared/idempotency.js';
import { authorizedRoute, body, json } from '../../../shared/route.js';
import { ChatParams, IdempotencyHeaders } from '../chat-actions/schemas.js';
import { Call, CallDeleted, CallPage, CallParams, ListCallsQuery, RecordCallBody, UpdateCallBody } from './schemas.js';

export const tags = ['Workspace chat actions'];
const base = '/api/v2/w/{workspace_uuid}/chats/{chat_id}/calls';

const STATISTICS =
  "The chat's call totals (the sum of its calls' durations and user inputs, the latest call's outcome and exit step, the latest transfer) are what the " +
  'statistics read (channel report components 16-22); they count from the next rollup.';

export const listCalls = authorizedRoute({ permission: 'chats:read', reach: 'chat' }, {
  operationId: 'listChatCalls',
  method: 'get',
  path: base,
  tags,
  summary: 'List the calls of a chat.',
  description: 'The call records of the chat, earliest first, `limit` at a time; follow `nextCursor`.',
  request: { params: ChatParams, query: ListCallsQuery },
  responses: { 200: json(CallPage, 'A page of calls.'), ...commonErrorResponses },
});

export const getCall = authorizedRoute({ permission: 'chats:read', reach: 'chat' }, {
  operationId: 'getChatCall',
  method: 'get',
  path: `${base}/{call_id}`,
  tags,
  summary: 'Get a call of a chat.',
  description: 'One call record.',
  request: { params: CallParams },
  responses: { 200: json(Call, 'The call.'), ...commonErrorResponses },
});

export const recordCall = authorizedRoute({ permission: 'chats:write', reach: 'chat' }, {
  operationId: 'recordChatCall',
  method: 'post',
  path: base,
  tags,
  summary: 'Record a call on a chat.',
  description: `Records a call (a voice call on the chat's channel): when it started and ended, its duration, direction and outcome. ${STATISTICS}`,
  request: { params: ChatParams, headers: IdempotencyHeaders, body: body(RecordCallBody) },
  responses: {
    201: { ...json(Call, 'The recorded call.'), headers: replayHeader },
    ...commonErrorResponses,
    ...idempotencyErrors,
    ...bodyErrorResponses,
  },
});

export const updateCall = authorizedRoute({ permission: 'chats:write', reach: 'chat' }, {
  operationId: 'updateChatCall',
  method: 'patch',
  path: `${base}/{call_id}`,
  tags,
  summary: 'Update a call of a chat.',
  description: `Changes the fields the body names (a partial update), e.g. its end and outcome once it is over; a new start or end without a duration recomputes it. ${STATISTICS}`,
  request: { params: CallParams, body: body(UpdateCallBody) },
  responses: { 200: json(Call, 'The updated call.'), ...commonErrorResponses, ...bodyErrorResponses },
});

export const deleteCall = authorizedRoute({ permission: 'chats:write', reach: 'chat' }, {
  operationId: 'deleteChatCall',
  method: 'delete',
  path: `${base}/{call_id}`,
  tags,
  summary: 'Delete a call of a chat.',
  description: `Deletes the call record. ${STATISTICS}`,
  request: { params: CallParams },
  responses: { 200: json(CallDeleted, 'The call was deleted.'), ...commonErrorResponses },
});
